"""The Privy emulator through the real privy-client SDK: wallets, signing with real keys, policy
enforcement, authorization signatures (G21), idempotency under concurrency, faults and tokens."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, cast

import jwt
import privy
import pytest
import requests
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes
from privy import PrivyAPI
from privy.lib.authorization import AuthorizationContext, generate_p256_key_pair
from privy.lib.policies import PrivyPoliciesService
from privy.lib.request_options import PrivyRequestOptions
from privy.lib.wallets import PrivyWalletsService
from privy.types.policy_update_params import PolicyUpdateParams
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

from local.privy import PrivyEmulator
from local.runtime.httpservice import ServedApp

APP_ID = "emulator-test-app"
ALLOWED = "0x1111111111111111111111111111111111111111"
OTHER = "0x2222222222222222222222222222222222222222"


@dataclass
class Privy:
    emulator: PrivyEmulator
    url: str
    secret: str

    def client(self, secret: str | None = None) -> PrivyAPI:
        return PrivyAPI(
            app_id=APP_ID, app_secret=secret or self.secret, base_url=self.url, max_retries=0, timeout=10
        )

    def local(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        answer = requests.request(method, f"{self.url}/_local/{path}", timeout=10, **kwargs)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def served() -> Iterator[Privy]:
    secret = secrets.token_urlsafe(16)
    emulator = PrivyEmulator(APP_ID, secret)
    app = ServedApp(emulator, 0, "privy-test").start()
    try:
        yield Privy(emulator, app.url, secret)
    finally:
        app.stop()


@pytest.fixture(scope="module")
def client(served: Privy) -> PrivyAPI:
    return served.client()


@pytest.fixture(scope="module")
def wallets(client: PrivyAPI) -> PrivyWalletsService:
    return PrivyWalletsService(client)


def signing_policy(chain_type: str = "ethereum") -> dict[str, Any]:
    """A tiny policy: transactions to ALLOWED and any typed data are allowed, nothing else."""
    if chain_type == "solana":
        rules = [
            {
                "name": "system transfers",
                "method": "signTransaction",
                "action": "ALLOW",
                "conditions": [
                    {
                        "field_source": "solana_program_instruction",
                        "field": "programId",
                        "operator": "eq",
                        "value": "11111111111111111111111111111111",
                    }
                ],
            },
            {"name": "messages", "method": "signMessage", "action": "ALLOW", "conditions": []},
        ]
    else:
        rules = [
            {
                "name": "pay the allowed address",
                "method": "eth_signTransaction",
                "action": "ALLOW",
                "conditions": [
                    {
                        "field_source": "ethereum_transaction",
                        "field": "to",
                        "operator": "eq",
                        "value": ALLOWED,
                    }
                ],
            },
            {"name": "typed data", "method": "eth_signTypedData_v4", "action": "ALLOW", "conditions": []},
        ]
    return {
        "version": "1.0",
        "name": f"test {chain_type} {uuid.uuid4().hex[:6]}",
        "chain_type": chain_type,
        "rules": rules,
    }


def rpc(
    service: PrivyWalletsService,
    wallet_id: str,
    method: str,
    params: dict[str, Any],
    *,
    key: str | None = None,
    chain_type: str = "ethereum",
    options: PrivyRequestOptions | None = None,
    **extra: Any,
) -> Any:
    body = {"method": method, "chain_type": chain_type, "params": params, **extra}
    answer = service.rpc(
        wallet_id, wallet_rpc_request_body=cast(Any, body), idempotency_key=key, request_options=options
    )
    return answer.data


def code_of(error: privy.APIStatusError) -> str:
    """Privy's error code from an SDK error (the body is ``{"error": ..., "code": ...}``)."""
    return str(cast(dict[str, Any], error.body)["code"])


def signed_with(private_key: str) -> PrivyRequestOptions:
    return PrivyRequestOptions(
        authorization_context=AuthorizationContext(authorization_private_keys=[private_key])
    )


def typed_data() -> dict[str, Any]:
    return {
        "domain": {
            "name": "Exchange",
            "version": "1",
            "chainId": 1337,
            "verifyingContract": "0x0000000000000000000000000000000000000000",
        },
        "types": {
            "Agent": [{"name": "source", "type": "string"}, {"name": "connectionId", "type": "bytes32"}]
        },
        "primary_type": "Agent",
        "message": {"source": "a", "connectionId": "0x" + "ab" * 32},
    }


def eip1559(to: str, value: int = 0) -> dict[str, Any]:
    return {
        "to": to,
        "value": hex(value),
        "chain_id": 42161,
        "nonce": 3,
        "gas_limit": hex(21000),
        "max_fee_per_gas": hex(10**8),
        "max_priority_fee_per_gas": hex(1),
        "type": 2,
    }


def test_wallets_are_created_once_per_idempotency_key_on_both_chains(served: Privy, client: PrivyAPI) -> None:
    keys: dict[Literal["ethereum", "solana"], str] = {
        "ethereum": uuid.uuid4().hex,
        "solana": uuid.uuid4().hex,
    }
    first = {c: client.wallets.create(chain_type=c, privy_idempotency_key=k) for c, k in keys.items()}
    again = {c: client.wallets.create(chain_type=c, privy_idempotency_key=k) for c, k in keys.items()}
    assert {c: w.id for c, w in first.items()} == {c: w.id for c, w in again.items()}
    assert first["ethereum"].address.startswith("0x") and len(first["ethereum"].address) == 42
    assert len(bytes(Pubkey.from_string(first["solana"].address))) == 32
    fresh = client.wallets.create(chain_type="ethereum")
    assert fresh.id != first["ethereum"].id
    assert client.wallets.get(first["solana"].id).address == first["solana"].address
    listed = {w.id for w in client.wallets.list(chain_type="solana")}
    assert first["solana"].id in listed and first["ethereum"].id not in listed
    local = {w["id"]: w for w in served.local("wallets")["wallets"]}
    assert local[first["ethereum"].id]["idempotency_key"] == keys["ethereum"]
    assert local[first["solana"].id]["chain_type"] == "solana"
    with pytest.raises(privy.BadRequestError):  # same key, different body
        client.wallets.create(chain_type="ethereum", privy_idempotency_key=keys["solana"])


def test_owner_user_policy_and_key_quorum_are_recorded(served: Privy, client: PrivyAPI) -> None:
    policy = client.policies.create(**signing_policy())
    wallet = client.wallets.create(
        chain_type="ethereum", policy_ids=[policy.id], owner={"user_id": "did:privy:alice"}
    )
    assert wallet.policy_ids == [policy.id] and wallet.owner_id
    assert client.key_quorums.get(wallet.owner_id).user_ids == ["did:privy:alice"]
    [local] = served.local("wallets", params={"user": "did:privy:alice"})["wallets"]
    assert (local["id"], local["policy_ids"], local["owner_user"]) == (
        wallet.id,
        [policy.id],
        "did:privy:alice",
    )
    with pytest.raises(privy.BadRequestError):  # at most one policy, as Privy
        client.wallets.create(chain_type="ethereum", policy_ids=[policy.id, policy.id])
    solana = client.policies.create(**signing_policy("solana"))
    with pytest.raises(privy.BadRequestError):  # a solana policy on an ethereum wallet
        client.wallets.create(chain_type="ethereum", policy_ids=[solana.id])


def test_typed_data_signature_recovers_to_the_wallet(
    served: Privy, client: PrivyAPI, wallets: PrivyWalletsService
) -> None:
    wallet = client.wallets.create(chain_type="ethereum")
    data = rpc(wallets, wallet.id, "eth_signTypedData_v4", {"typed_data": typed_data()})
    assert data.encoding == "hex"
    full = typed_data()
    message = encode_typed_data(
        full_message={
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                **full["types"],
            },
            "primaryType": "Agent",
            "domain": full["domain"],
            "message": full["message"],
        }
    )
    assert Account.recover_message(message, signature=data.signature) == wallet.address
    expected = Account.sign_message(message, served.emulator.private_key_of(wallet.id)).signature
    assert data.signature == "0x" + bytes(expected).hex()
    signed = rpc(wallets, wallet.id, "personal_sign", {"message": "hello", "encoding": "utf-8"})
    from eth_account.messages import encode_defunct

    assert Account.recover_message(encode_defunct(text="hello"), signature=signed.signature) == wallet.address


def test_eth_sign_transaction_eip1559_and_legacy_decode_and_recover(
    client: PrivyAPI, wallets: PrivyWalletsService
) -> None:
    wallet = client.wallets.create(chain_type="ethereum")
    data = rpc(wallets, wallet.id, "eth_signTransaction", {"transaction": eip1559(ALLOWED, 5)})
    assert data.encoding == "rlp"
    raw = bytes.fromhex(data.signed_transaction.removeprefix("0x"))
    assert Account.recover_transaction(raw) == wallet.address
    decoded = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
    assert (decoded["to"].hex().lower(), decoded["value"], decoded["chainId"], decoded["nonce"]) == (
        ALLOWED[2:],
        5,
        42161,
        3,
    )
    legacy = {
        "to": OTHER,
        "value": 7,
        "chain_id": 42161,
        "nonce": 0,
        "gas_limit": 21000,
        "gas_price": hex(10**8),
        "type": 0,
    }
    raw_legacy = rpc(wallets, wallet.id, "eth_signTransaction", {"transaction": legacy}).signed_transaction
    assert int(raw_legacy[2:4], 16) >= 0xC0  # an RLP list: a legacy transaction has no type byte
    assert Account.recover_transaction(raw_legacy) == wallet.address


def test_solana_sign_transaction_fills_the_null_fee_payer_slot_and_messages_verify(
    client: PrivyAPI, wallets: PrivyWalletsService
) -> None:
    wallet = client.wallets.create(chain_type="solana")
    payer = Pubkey.from_string(wallet.address)
    message = Message.new_with_blockhash(
        [transfer(TransferParams(from_pubkey=payer, to_pubkey=Keypair().pubkey(), lamports=1000))],
        payer,
        Hash.new_unique(),
    )
    unsigned = Transaction.new_unsigned(message)
    assert unsigned.signatures == [Signature.default()]
    params = {"transaction": base64.b64encode(bytes(unsigned)).decode(), "encoding": "base64"}
    data = rpc(wallets, wallet.id, "signTransaction", params, chain_type="solana")
    signed = VersionedTransaction.from_bytes(base64.b64decode(data.signed_transaction))
    assert signed.verify_with_results() == [True]
    assert signed.signatures[0].verify(payer, to_bytes_versioned(signed.message))
    note = b"sign in to basis"
    signature = rpc(
        wallets,
        wallet.id,
        "signMessage",
        {"message": base64.b64encode(note).decode(), "encoding": "base64"},
        chain_type="solana",
    ).signature
    assert Signature.from_bytes(base64.b64decode(signature)).verify(payer, note)
    stranger = Keypair().pubkey()  # a transaction this wallet is not a signer of is refused
    foreign = Transaction.new_unsigned(
        Message.new_with_blockhash(
            [transfer(TransferParams(from_pubkey=stranger, to_pubkey=payer, lamports=1))],
            stranger,
            Hash.default(),
        )
    )
    with pytest.raises(privy.BadRequestError):
        rpc(
            wallets,
            wallet.id,
            "signTransaction",
            {"transaction": base64.b64encode(bytes(foreign)).decode(), "encoding": "base64"},
            chain_type="solana",
        )


def test_a_policy_denial_surfaces_as_the_sdk_error_with_privys_code(
    served: Privy, client: PrivyAPI, wallets: PrivyWalletsService
) -> None:
    policy = client.policies.create(**signing_policy())
    assert [r.name for r in client.policies.get(policy.id).rules] == ["pay the allowed address", "typed data"]
    wallet = client.wallets.create(chain_type="ethereum", policy_ids=[policy.id])
    assert rpc(
        wallets, wallet.id, "eth_signTransaction", {"transaction": eip1559(ALLOWED)}
    ).signed_transaction
    with pytest.raises(privy.BadRequestError) as denied:
        rpc(wallets, wallet.id, "eth_signTransaction", {"transaction": eip1559(OTHER)})
    assert denied.value.status_code == 400
    assert code_of(denied.value) == "policy_violation"
    with pytest.raises(privy.BadRequestError) as default_deny:  # no ALLOW rule for personal_sign
        rpc(wallets, wallet.id, "personal_sign", {"message": "hi", "encoding": "utf-8"})
    assert code_of(default_deny.value) == "policy_violation"
    denials = [d for d in served.local("denials")["denials"] if d["wallet_id"] == wallet.id]
    assert [d["method"] for d in denials] == ["eth_signTransaction", "personal_sign"]
    assert "default deny" in denials[0]["reason"]
    with pytest.raises(
        privy.BadRequestError
    ):  # Privy refuses a condition-less eth_signTransaction rule (G24)
        client.policies.create(
            version="1.0",
            name="bad",
            chain_type="ethereum",
            rules=[{"name": "all", "method": "eth_signTransaction", "action": "ALLOW", "conditions": []}],
        )


def test_policy_update_and_delete_need_the_owners_authorization_signature(client: PrivyAPI) -> None:
    owner, intruder = generate_p256_key_pair(), generate_p256_key_pair()
    quorum = client.key_quorums.create(public_keys=[owner.public_key], authorization_threshold=1)
    assert [k.public_key for k in client.key_quorums.get(quorum.id).authorization_keys] == [owner.public_key]
    policies = PrivyPoliciesService(client)
    policy = client.policies.create(**signing_policy(), owner_id=quorum.id)
    change: PolicyUpdateParams = {"name": "renamed"}
    with pytest.raises(privy.AuthenticationError) as missing:
        policies.update(policy.id, policy_update_params=change)
    assert code_of(missing.value) == "missing_or_empty_authorization_header"
    with pytest.raises(privy.AuthenticationError) as wrong:
        policies.update(
            policy.id, policy_update_params=change, request_options=signed_with(intruder.private_key)
        )
    assert code_of(wrong.value) == "zero_correct_authorization_signatures"
    assert client.policies.get(policy.id).name == policy.name
    updated = policies.update(
        policy.id, policy_update_params=change, request_options=signed_with(owner.private_key)
    )
    assert updated.name == "renamed" and client.policies.get(policy.id).name == "renamed"
    with pytest.raises(privy.AuthenticationError):
        policies.delete(policy.id, request_options=signed_with(intruder.private_key))
    assert policies.delete(policy.id, request_options=signed_with(owner.private_key)).success
    with pytest.raises(privy.NotFoundError):
        client.policies.get(policy.id)


def test_an_ownerless_policy_changes_only_with_a_registered_app_key(served: Privy, client: PrivyAPI) -> None:
    app_key = generate_p256_key_pair()
    policies = PrivyPoliciesService(client)
    policy = client.policies.create(**signing_policy())
    with pytest.raises(privy.AuthenticationError):
        policies.delete(policy.id, request_options=signed_with(app_key.private_key))
    served.local("authorization_keys", "POST", json={"public_key": app_key.public_key})
    assert policies.delete(policy.id, request_options=signed_with(app_key.private_key)).success


def test_a_wallet_owned_by_a_key_quorum_signs_only_with_its_authorization(
    client: PrivyAPI, wallets: PrivyWalletsService
) -> None:
    owner = generate_p256_key_pair()
    quorum = client.key_quorums.create(public_keys=[owner.public_key])
    wallet = client.wallets.create(chain_type="ethereum", owner_id=quorum.id)
    params = {"typed_data": typed_data()}
    with pytest.raises(privy.AuthenticationError):
        rpc(wallets, wallet.id, "eth_signTypedData_v4", params)
    with pytest.raises(privy.AuthenticationError):
        rpc(
            wallets,
            wallet.id,
            "eth_signTypedData_v4",
            params,
            options=signed_with(generate_p256_key_pair().private_key),
        )
    data = rpc(
        wallets,
        wallet.id,
        "eth_signTypedData_v4",
        params,
        key=uuid.uuid4().hex,
        options=signed_with(owner.private_key),
    )
    assert data.signature.startswith("0x") and len(data.signature) == 132


def test_a_retried_rpc_with_one_idempotency_key_returns_the_first_answer(
    client: PrivyAPI, wallets: PrivyWalletsService
) -> None:
    wallet = client.wallets.create(chain_type="ethereum")
    key = uuid.uuid4().hex
    first = rpc(wallets, wallet.id, "eth_signTransaction", {"transaction": eip1559(ALLOWED)}, key=key)
    again = rpc(wallets, wallet.id, "eth_signTransaction", {"transaction": eip1559(ALLOWED)}, key=key)
    assert first.signed_transaction == again.signed_transaction
    with pytest.raises(privy.BadRequestError):
        rpc(wallets, wallet.id, "eth_signTransaction", {"transaction": eip1559(OTHER)}, key=key)


def test_fifty_concurrent_creates_with_one_key_make_one_wallet(served: Privy, client: PrivyAPI) -> None:
    key = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=50) as pool:
        made = list(
            pool.map(
                lambda _: client.wallets.create(chain_type="ethereum", privy_idempotency_key=key).id,
                range(50),
            )
        )
    assert len(set(made)) == 1
    assert [w["id"] for w in served.local("wallets")["wallets"] if w["idempotency_key"] == key] == made[:1]


def test_an_injected_503_reaches_the_sdk_and_wrong_credentials_are_401(
    served: Privy, client: PrivyAPI
) -> None:
    served.local("faults", "POST", json={"path": "/v1/wallets", "method": "POST", "status": 503, "count": 1})
    before = served.emulator.health_details()["wallets"]
    with pytest.raises(privy.InternalServerError) as failed:
        client.wallets.create(chain_type="ethereum")
    assert failed.value.status_code == 503
    assert served.emulator.health_details()["wallets"] == before
    assert client.wallets.create(chain_type="ethereum").id
    with pytest.raises(privy.AuthenticationError):
        served.client(secret="not-the-secret").wallets.create(chain_type="ethereum")
    health = served.local("health")
    assert health["ok"] and health["wallets"] == before + 1


def test_a_fault_after_the_request_applies_it_and_loses_the_answer(served: Privy, client: PrivyAPI) -> None:
    fault = {"path": "/v1/wallets", "method": "POST", "status": 504, "count": 1, "after": True}
    served.local("faults", "POST", json=fault)
    before = served.emulator.health_details()["wallets"]
    with pytest.raises(privy.APIStatusError) as lost:
        client.wallets.create(chain_type="ethereum")
    assert lost.value.status_code == 504
    assert served.emulator.health_details()["wallets"] == before + 1  # made, though nobody heard


def test_access_tokens_verify_with_pyjwt_es256(served: Privy) -> None:
    token = served.local("tokens", "POST", json={"user_id": "did:privy:alice", "ttl_seconds": 600})["token"]
    key = served.local("verification_key")["verification_key"]
    claims = jwt.decode(token, key, algorithms=["ES256"], audience=APP_ID, issuer="privy.io")
    assert claims["sub"] == "did:privy:alice" and claims["sid"] and claims["exp"] - claims["iat"] == 600
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key, algorithms=["ES256"], audience="another-app", issuer="privy.io")
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(
            served.emulator.issue_token("did:privy:bob", ttl=-5),
            key,
            algorithms=["ES256"],
            audience=APP_ID,
            issuer="privy.io",
        )
    assert (
        jwt.decode(
            served.emulator.issue_token("did:privy:bob", ttl_seconds=60),
            key,
            algorithms=["ES256"],
            audience=APP_ID,
        )["sub"]
        == "did:privy:bob"
    )


def test_eth_send_transaction_signs_fills_and_broadcasts_to_the_local_chain(tmp_path: Any) -> None:
    from local.chains.anvil import ANVIL_BIN, Anvil
    from local.runtime.ports import free_port

    if not ANVIL_BIN.is_file():
        pytest.skip("anvil is not installed (npm install)")
    with Anvil(log_dir=tmp_path) as anvil:
        anvil.start(free_port())
        emulator = PrivyEmulator(APP_ID, "s3cret", evm_rpc_url=anvil.rpc_url)
        app = ServedApp(emulator, 0, "privy-anvil").start()
        try:
            client = PrivyAPI(app_id=APP_ID, app_secret="s3cret", base_url=app.url, max_retries=0, timeout=10)
            wallet = client.wallets.create(chain_type="ethereum")

            def chain(method: str, *params: Any) -> Any:
                return requests.post(
                    anvil.rpc_url,
                    json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
                    timeout=10,
                ).json()["result"]

            chain("anvil_setBalance", wallet.address, hex(10**18))
            sent = rpc(
                PrivyWalletsService(client),
                wallet.id,
                "eth_sendTransaction",
                {"transaction": {"to": OTHER, "value": hex(12345)}},
                caip2="eip155:42161",
            )
            assert sent.caip2 == "eip155:42161"
            receipt = chain("eth_getTransactionReceipt", sent.hash)
            assert int(receipt["status"], 16) == 1 and receipt["from"].lower() == wallet.address.lower()
            assert int(chain("eth_getBalance", OTHER, "latest"), 16) == 12345
        finally:
            app.stop()


def test_sign_and_send_solana_forwards_the_signed_transaction_as_base64_json_rpc() -> None:
    from werkzeug.wrappers import Request

    from local.runtime.httpservice import LocalService, json_response

    received: list[Any] = []

    class SolanaRpc(LocalService):
        name = "solana-rpc"

        def __init__(self) -> None:
            super().__init__()
            self.route("/", methods=["POST"])(self.rpc)

        def rpc(self, request: Request) -> Any:
            call = request.get_json()
            received.append(call)
            tx = VersionedTransaction.from_bytes(base64.b64decode(call["params"][0]))
            return json_response({"jsonrpc": "2.0", "id": call["id"], "result": str(tx.signatures[0])})

    node = ServedApp(SolanaRpc(), 0, "solana-rpc").start()
    app = ServedApp(PrivyEmulator(APP_ID, "s3cret", solana_rpc_url=node.url), 0, "privy-solana").start()
    try:
        client = PrivyAPI(app_id=APP_ID, app_secret="s3cret", base_url=app.url, max_retries=0, timeout=10)
        wallet = client.wallets.create(chain_type="solana")
        payer = Pubkey.from_string(wallet.address)
        tx = Transaction.new_unsigned(
            Message.new_with_blockhash(
                [transfer(TransferParams(from_pubkey=payer, to_pubkey=Keypair().pubkey(), lamports=5))],
                payer,
                Hash.new_unique(),
            )
        )
        sent = rpc(
            PrivyWalletsService(client),
            wallet.id,
            "signAndSendTransaction",
            {"transaction": base64.b64encode(bytes(tx)).decode(), "encoding": "base64"},
            chain_type="solana",
            caip2="solana:local",
        )
        [call] = received
        assert call["method"] == "sendTransaction" and call["params"][1]["encoding"] == "base64"
        forwarded = VersionedTransaction.from_bytes(base64.b64decode(call["params"][0]))
        assert forwarded.verify_with_results() == [True] and sent.hash == str(forwarded.signatures[0])
    finally:
        app.stop()
        node.stop()
