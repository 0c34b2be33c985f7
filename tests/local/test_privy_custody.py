"""Self-custody at the Privy emulator through the real privy-client, unmodified: wallets owned by a
user, the platform's key quorum as an additional signer with its override policy, user keys from
``POST /v1/wallets/authenticate`` (the SDK's own JWT exchange: ``AuthorizationContext(user_jwts)``),
and who may sign (``/rpc``) or change (``PATCH``) a wallet."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import privy
import pytest
from privy import PrivyAPI
from privy.lib.authorization import AuthorizationContext, generate_p256_key_pair
from privy.lib.jwt_exchange import JWTExchangeService
from privy.lib.request_options import PrivyRequestOptions
from privy.lib.wallets import PrivyWalletsService

from basis.chains.amounts import usdc_base_units
from basis.policies.rules import build_evm_policy
from basis.policies.settings import PolicySettings
from local.privy import PrivyEmulator, TokenIssuer
from local.runtime.httpservice import ServedApp
from tools import policy_requests as build
from tools.policy_matrix import SIGNABLE

APP_ID = "custody-test-app"
ELSEWHERE = "0x2222222222222222222222222222222222222222"


@dataclass
class Privy:
    emulator: PrivyEmulator
    client: PrivyAPI
    wallets: PrivyWalletsService  # with the SDK's JWT exchange, as basis.privy.authorization builds it
    platform_key: str
    quorum_id: str
    evm_policy_id: str

    def user_wallet(self, user_id: str) -> Any:
        """An EVM wallet as the platform creates them: owned by the user, the platform as signer."""
        return self.client.wallets.create(
            chain_type="ethereum",
            owner={"user_id": user_id},
            additional_signers=[{"signer_id": self.quorum_id, "override_policy_ids": [self.evm_policy_id]}],
        )


def serve(emulator: PrivyEmulator) -> tuple[ServedApp, PrivyAPI]:
    app = ServedApp(emulator, 0, "privy-custody-test").start()
    client = PrivyAPI(app_id=APP_ID, app_secret="s3cret", base_url=app.url, max_retries=0, timeout=10)
    return app, client


@pytest.fixture(scope="module")
def served() -> Iterator[Privy]:
    emulator = PrivyEmulator(APP_ID, "s3cret")
    app, client = serve(emulator)
    platform = generate_p256_key_pair()
    quorum = client.key_quorums.create(public_keys=[platform.public_key], authorization_threshold=1)
    policy = client.policies.create(**build_evm_policy(PolicySettings()), owner_id=quorum.id)
    wallets = PrivyWalletsService(client, JWTExchangeService(client.wallets))
    try:
        yield Privy(emulator, client, wallets, platform.private_key, quorum.id, policy.id)
    finally:
        app.stop()


def as_user(token: str) -> PrivyRequestOptions:
    return PrivyRequestOptions(authorization_context=AuthorizationContext(user_jwts=[token]))


def with_key(private_key: str) -> PrivyRequestOptions:
    return PrivyRequestOptions(
        authorization_context=AuthorizationContext(authorization_private_keys=[private_key])
    )


def sign(privy_: Privy, wallet_id: str, params: dict[str, Any], options: PrivyRequestOptions) -> Any:
    body = {"method": "eth_signTransaction", "chain_type": "ethereum", "params": params}
    return privy_.wallets.rpc(wallet_id, wallet_rpc_request_body=cast(Any, body), request_options=options)


def signable(params: dict[str, Any]) -> dict[str, Any]:
    return {"transaction": {**params["transaction"], **SIGNABLE}}


def eth_transfer(to: str = ELSEWHERE) -> dict[str, Any]:
    return signable(build.evm_tx(to, value=10**15))


def usdc_transfer(recipient: str) -> dict[str, Any]:
    return signable(build.deposit(usdc_base_units(100), recipient=recipient))


def new_user() -> str:
    return f"did:privy:{uuid.uuid4().hex[:12]}"


def code_of(error: privy.APIStatusError) -> str:
    return str(cast(dict[str, Any], error.body)["code"])


def test_a_user_owned_wallet_is_owned_by_a_quorum_of_that_user(served: Privy) -> None:
    user = new_user()
    wallet = served.user_wallet(user)
    assert wallet.owner_id and served.client.key_quorums.get(wallet.owner_id).user_ids == [user]
    assert wallet.policy_ids == []
    [signer] = wallet.additional_signers
    assert (signer.signer_id, signer.override_policy_ids) == (served.quorum_id, [served.evm_policy_id])


def test_the_user_signs_an_eth_transfer_with_the_key_their_access_token_gets(served: Privy) -> None:
    user = new_user()
    wallet = served.user_wallet(user)
    token = served.emulator.issue_token(user)
    signed = sign(served, wallet.id, eth_transfer(), as_user(token))
    assert signed.data.signed_transaction.startswith("0x02")
    # the platform's override policy denies native ETH: it binds the platform signer, not the owner
    with pytest.raises(privy.BadRequestError) as denied:
        sign(served, wallet.id, eth_transfer(), with_key(served.platform_key))
    assert code_of(denied.value) == "policy_violation"


def test_the_platform_signs_only_what_its_override_policy_allows(served: Privy) -> None:
    wallet = served.user_wallet(new_user())
    settings = PolicySettings()
    signed = sign(
        served, wallet.id, usdc_transfer(settings.hyperliquid_bridge_address), with_key(served.platform_key)
    )
    assert signed.data.signed_transaction.startswith("0x02")
    with pytest.raises(privy.BadRequestError) as denied:
        sign(served, wallet.id, usdc_transfer(ELSEWHERE), with_key(served.platform_key))
    assert code_of(denied.value) == "policy_violation"
    [denial] = [d for d in served.emulator._denials if d["wallet_id"] == wallet.id]
    assert denial["policy_id"] == served.evm_policy_id


def test_user_b_cannot_sign_for_user_as_wallet_nor_can_a_stranger(served: Privy) -> None:
    alice, bob = new_user(), new_user()
    wallet = served.user_wallet(alice)
    served.user_wallet(bob)
    for options in (
        as_user(served.emulator.issue_token(bob)),
        with_key(generate_p256_key_pair().private_key),
        None,
    ):
        with pytest.raises(privy.AuthenticationError):
            sign(served, wallet.id, eth_transfer(), cast(PrivyRequestOptions, options))


def test_an_expired_or_foreign_access_token_gets_no_user_key(served: Privy) -> None:
    user = new_user()
    wallet = served.user_wallet(user)
    refused = [
        served.emulator.issue_token(user, ttl=-60),  # expired a minute ago
        TokenIssuer(APP_ID).issue(user),  # signed by another key
        TokenIssuer("another-app").issue(user),  # for another app, by another key
        "not-a-jwt",
    ]
    for token in refused:
        with pytest.raises(privy.BadRequestError) as failed:
            sign(served, wallet.id, eth_transfer(), as_user(token))
        assert "Invalid JWT" in str(failed.value)
    assert served.emulator.user_keys.valid(user) == []


def test_the_user_key_answer_lists_the_users_wallets_and_expires_in_ten_minutes(served: Privy) -> None:
    from privy.lib._hpke import HPKERecipient

    user = new_user()
    wallets = {
        served.user_wallet(user).id,
        served.client.wallets.create(chain_type="solana", owner={"user_id": user}).id,
    }
    recipient = HPKERecipient()
    answer = served.client.wallets.authenticate_with_jwt(
        user_jwt=served.emulator.issue_token(user),
        encryption_type="HPKE",
        recipient_public_key=base64.b64encode(recipient.public_key_spki).decode(),
    )
    assert {w.id for w in answer.wallets} == wallets
    assert abs(answer.expires_at - (time.time() + 600) * 1000) < 5_000


def test_an_expired_user_key_no_longer_signs() -> None:
    emulator = PrivyEmulator(APP_ID, "s3cret", user_key_ttl_seconds=1)
    app, client = serve(emulator)
    try:
        user = new_user()
        wallet = client.wallets.create(chain_type="ethereum", owner={"user_id": user})
        key = JWTExchangeService(client.wallets).exchange_jwt_for_authorization_key(
            emulator.issue_token(user)
        )
        wallets = PrivyWalletsService(client)
        body = cast(Any, {"method": "eth_signTransaction", "params": eth_transfer()})
        assert wallets.rpc(wallet.id, wallet_rpc_request_body=body, request_options=with_key(key)).data
        time.sleep(1.1)
        with pytest.raises(privy.AuthenticationError):
            wallets.rpc(wallet.id, wallet_rpc_request_body=body, request_options=with_key(key))
    finally:
        app.stop()


def test_only_the_owner_changes_the_wallet(served: Privy) -> None:
    user = new_user()
    wallet = served.user_wallet(user)
    other = served.client.policies.create(**{**build_evm_policy(PolicySettings()), "name": "other"})
    change: Any = {"additional_signers": [{"signer_id": served.quorum_id, "override_policy_ids": [other.id]}]}
    for options in (
        with_key(served.platform_key),  # the platform is a signer, not the owner
        with_key(generate_p256_key_pair().private_key),
        as_user(served.emulator.issue_token(new_user())),
        None,
    ):
        with pytest.raises(privy.AuthenticationError):
            served.wallets.update(wallet.id, wallet_update_params=change, request_options=options)
    assert served.client.wallets.get(wallet.id).additional_signers[0].override_policy_ids == [
        served.evm_policy_id
    ]
    token = served.emulator.issue_token(user)
    updated = served.wallets.update(wallet.id, wallet_update_params=change, request_options=as_user(token))
    assert updated.additional_signers[0].override_policy_ids == [other.id]
    removed = served.wallets.update(
        wallet.id, wallet_update_params={"additional_signers": []}, request_options=as_user(token)
    )
    assert removed.additional_signers == []
    with pytest.raises(privy.AuthenticationError):  # the platform's signer role is gone
        sign(
            served,
            wallet.id,
            usdc_transfer(PolicySettings().hyperliquid_bridge_address),
            with_key(served.platform_key),
        )


def test_the_owner_hands_a_wallet_over_to_a_user(served: Privy) -> None:
    """The provisioning order: created owned by the platform's quorum, handed to the user with the
    platform kept as a signer; from then on the platform can no longer change it."""
    user = new_user()
    wallet = served.client.wallets.create(chain_type="ethereum", owner_id=served.quorum_id)
    handover: Any = {
        "owner": {"user_id": user},
        "additional_signers": [
            {"signer_id": served.quorum_id, "override_policy_ids": [served.evm_policy_id]}
        ],
    }
    with pytest.raises(privy.AuthenticationError):
        served.wallets.update(wallet.id, wallet_update_params=handover)
    handed = served.wallets.update(
        wallet.id, wallet_update_params=handover, request_options=with_key(served.platform_key)
    )
    assert handed.owner_id != served.quorum_id
    assert served.client.key_quorums.get(cast(str, handed.owner_id)).user_ids == [user]
    with pytest.raises(privy.AuthenticationError):
        served.wallets.update(
            wallet.id,
            wallet_update_params={"owner_id": served.quorum_id},
            request_options=with_key(served.platform_key),
        )
    assert sign(served, wallet.id, eth_transfer(), as_user(served.emulator.issue_token(user))).data


def test_wallet_changes_are_validated_as_at_privy(served: Privy) -> None:
    wallet = served.client.wallets.create(chain_type="ethereum")  # owner-less: the app secret suffices
    solana_policy = served.client.policies.create(version="1.0", name="sol", chain_type="solana", rules=[])
    bad: list[Any] = [
        {"policy_ids": [served.evm_policy_id, served.evm_policy_id]},
        {"policy_ids": [solana_policy.id]},
        {"additional_signers": [{"signer_id": "not-a-quorum"}]},
        {"additional_signers": [{"signer_id": served.quorum_id, "override_policy_ids": [solana_policy.id]}]},
        {"owner": {"user_id": "did:privy:x"}, "owner_id": served.quorum_id},
    ]
    for change in bad:
        with pytest.raises(privy.BadRequestError):
            served.wallets.update(wallet.id, wallet_update_params=change)
    named = served.wallets.update(
        wallet.id, wallet_update_params={"display_name": "kept", "external_id": "ext-1"}
    )
    assert (named.display_name, named.external_id) == ("kept", "ext-1")
    with pytest.raises(privy.BadRequestError):  # external_id is write-once
        served.wallets.update(wallet.id, wallet_update_params={"external_id": "ext-2"})


def test_wallet_address_in_a_policy_is_the_signing_wallets_as_at_privy(served: Privy) -> None:
    """The shared Solana policy caps what the wallet sends ({{wallet.address}} is the authority):
    a transfer over the cap by another authority in the wallet's transaction is not the wallet's."""
    from solders.keypair import Keypair
    from solders.pubkey import Pubkey

    from basis.policies.rules import build_solana_policy

    settings = PolicySettings()
    policy = served.client.policies.create(**build_solana_policy(settings))
    wallet = served.client.wallets.create(chain_type="solana", policy_ids=[policy.id])
    address = Pubkey.from_string(wallet.address)
    over_cap = usdc_base_units(settings.max_spl_per_tx) + 1

    def sign_solana(authority: Pubkey) -> Any:
        params = build.solana_tx(build.transfer_checked(over_cap, authority), payer=address)
        body: Any = {"method": "signTransaction", "chain_type": "solana", "params": params}
        return served.wallets.rpc(wallet.id, wallet_rpc_request_body=body)

    assert sign_solana(Keypair().pubkey()).data.signed_transaction
    with pytest.raises(privy.BadRequestError) as denied:
        sign_solana(address)
    assert code_of(denied.value) == "policy_violation"
