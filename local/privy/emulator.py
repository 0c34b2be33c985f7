"""The Privy emulator (``/v1/...`` as privy-client calls it, plus the shared ``/_local/`` contract).

* Basic auth with the app id and secret, and the ``privy-app-id`` header, on every ``/v1`` call.
* Wallets (ethereum, solana) with real keys; ``privy-idempotency-key`` returns the same wallet.
* ``/v1/wallets/{id}/rpc`` signs with the wallet's key after enforcing its policy with
  ``basis.policies.evaluator`` (Privy's semantics); a wallet owned by a key quorum also needs a
  valid ``privy-authorization-signature``. eth_sendTransaction / signAndSendTransaction forward the
  signed transaction to the local chains.
* Policies (update/delete need an authorization signature from the owner quorum, G21) and key quorums.
* Sign-in: ES256 access tokens (``POST /_local/tokens``) and their key (``GET /_local/verification_key``).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from solders.keypair import Keypair
from werkzeug.wrappers import Request, Response

from local.httpservice import LocalService, json_response
from local.privy import signing
from local.privy.keys import TokenIssuer, authorization_payload, signature_valid

EVM_METHODS = {"eth_signTypedData_v4", "eth_signTransaction", "eth_sendTransaction", "personal_sign"}
SOLANA_METHODS = {"signTransaction", "signAndSendTransaction", "signMessage"}


def _id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:20]}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def error(status: int, message: str, code: str) -> Response:
    return json_response({"error": message, "code": code}, status)


@dataclass
class EmulatedWallet:
    id: str
    chain_type: str
    address: str
    key: LocalAccount | Keypair = field(repr=False)
    policy_ids: list[str]
    owner_id: str | None
    created_at: int = field(default_factory=_now_ms)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "address": self.address, "chain_type": self.chain_type,
                "policy_ids": self.policy_ids, "owner_id": self.owner_id, "additional_signers": [],
                "created_at": self.created_at, "exported_at": None, "imported_at": None}


class PrivyEmulator(LocalService):
    name = "privy"

    def __init__(self, app_id: str = "local-app", app_secret: str = "local-secret", *,
                 evm_rpc_url: str | None = None, solana_rpc_url: str | None = None) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.evm_rpc_url = evm_rpc_url
        self.solana_rpc_url = solana_rpc_url
        self.tokens = TokenIssuer(app_id)
        self.wallets: dict[str, EmulatedWallet] = {}
        self.policies: dict[str, dict[str, Any]] = {}
        self.key_quorums: dict[str, dict[str, Any]] = {}
        self._idempotent: dict[tuple[str, str], dict[str, Any]] = {}
        self._state = threading.Lock()
        r = self.route
        r("/v1/wallets", ["POST", "GET"])(self._wallets)
        r("/v1/wallets/<wallet_id>", ["GET"])(self._get_wallet)
        r("/v1/wallets/<wallet_id>/rpc", ["POST"])(self._rpc)
        r("/v1/policies", ["POST"])(self._create_policy)
        r("/v1/policies/<policy_id>", ["GET", "PATCH", "DELETE"])(self._policy)
        r("/v1/key_quorums", ["POST"])(self._create_key_quorum)
        r("/v1/key_quorums/<quorum_id>", ["GET"])(self._get_key_quorum)
        r("/_local/wallets", ["GET"])(self._local_wallets)
        r("/_local/tokens", ["POST"])(self._local_token)
        r("/_local/verification_key", ["GET"])(self._local_verification_key)

    # -- test and demo helpers (Python API) ----------------------------------------------------
    def issue_token(self, user_id: str, ttl_seconds: int = 3600) -> str:
        return self.tokens.issue(user_id, ttl_seconds)

    @property
    def verification_key(self) -> str:
        return self.tokens.verification_key

    def private_key_of(self, wallet_id: str) -> str:
        """The wallet's private key (tests compare signatures with local signing)."""
        key = self.wallets[wallet_id].key
        return key.key.hex() if isinstance(key, LocalAccount) else str(key)

    def health_details(self) -> dict[str, Any]:
        return {"wallets": len(self.wallets), "policies": len(self.policies), "key_quorums": len(self.key_quorums)}

    # -- auth ------------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        auth = request.authorization
        if auth is None or auth.username != self.app_id or auth.password != self.app_secret:
            return error(401, "Invalid app ID or app secret.", "invalid_credentials")
        if request.headers.get("privy-app-id") != self.app_id:
            return error(401, "Missing or invalid privy-app-id header.", "invalid_app_id")
        return None

    def _authorized_by(self, quorum_id: str | None, request: Request, body: Any) -> bool:
        """Does the request carry a valid authorization signature from ``quorum_id``'s keys?"""
        if quorum_id is None:
            return True
        quorum = self.key_quorums.get(quorum_id)
        if quorum is None:
            return False
        headers = {"privy-app-id": self.app_id}
        for name in ("privy-idempotency-key", "privy-request-expiry"):
            if request.headers.get(name):
                headers[name] = request.headers[name]
        url = request.host_url.rstrip("/") + request.path
        payload = authorization_payload(request.method, url, body, headers)
        keys = [k["public_key"] for k in quorum["authorization_keys"]]
        return signature_valid(keys, payload, request.headers.get("privy-authorization-signature"))

    def _body(self, request: Request) -> dict[str, Any] | Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return error(400, "Request body must be a JSON object.", "invalid_data")
        return body

    # -- wallets ---------------------------------------------------------------------------------
    def _wallets(self, request: Request) -> Response:
        if denied := self._authenticate(request):
            return denied
        if request.method == "GET":
            chain = request.args.get("chain_type")
            listed = [w.as_json() for w in self.wallets.values() if chain in (None, w.chain_type)]
            return json_response({"data": listed, "next_cursor": None})
        body = self._body(request)
        if isinstance(body, Response):
            return body
        key = request.headers.get("privy-idempotency-key")
        with self._state:
            if key and ("wallet", key) in self._idempotent:
                return json_response(self._idempotent[("wallet", key)])
            made = self._create_wallet(body)
            if isinstance(made, Response):
                return made
            if key:
                self._idempotent[("wallet", key)] = made
        return json_response(made)

    def _create_wallet(self, body: dict[str, Any]) -> dict[str, Any] | Response:
        chain = body.get("chain_type")
        policy_ids = list(body.get("policy_ids") or [])
        owner_id = body.get("owner_id")
        if chain not in ("ethereum", "solana"):
            return error(400, f"Unsupported chain_type {chain!r}.", "invalid_data")
        if len(policy_ids) > 1:
            return error(400, "A wallet may have at most one policy.", "invalid_data")
        for policy_id in policy_ids:
            policy = self.policies.get(policy_id)
            if policy is None:
                return error(400, f"Policy {policy_id} not found.", "invalid_data")
            if policy["chain_type"] != chain:
                return error(400, f"Policy {policy_id} is for {policy['chain_type']} wallets.", "invalid_data")
        if owner_id is not None and owner_id not in self.key_quorums:
            return error(400, f"Key quorum {owner_id} not found.", "invalid_data")
        if chain == "ethereum":
            account = signing.new_evm_account()
            wallet = EmulatedWallet(_id("w"), chain, account.address, account, policy_ids, owner_id)
        else:
            keypair = Keypair()
            wallet = EmulatedWallet(_id("w"), chain, str(keypair.pubkey()), keypair, policy_ids, owner_id)
        self.wallets[wallet.id] = wallet
        return wallet.as_json()

    def _get_wallet(self, request: Request, wallet_id: str) -> Response:
        if denied := self._authenticate(request):
            return denied
        wallet = self.wallets.get(wallet_id)
        if wallet is None:
            return error(404, f"Wallet {wallet_id} not found.", "not_found")
        return json_response(wallet.as_json())

    def _local_wallets(self, request: Request) -> Response:
        return json_response({"wallets": [w.as_json() for w in self.wallets.values()]})

    # -- rpc -------------------------------------------------------------------------------------
    def _rpc(self, request: Request, wallet_id: str) -> Response:
        if denied := self._authenticate(request):
            return denied
        wallet = self.wallets.get(wallet_id)
        if wallet is None:
            return error(404, f"Wallet {wallet_id} not found.", "not_found")
        body = self._body(request)
        if isinstance(body, Response):
            return body
        method, params = body.get("method"), body.get("params")
        allowed = EVM_METHODS if wallet.chain_type == "ethereum" else SOLANA_METHODS
        if method not in allowed or not isinstance(params, dict):
            return error(400, f"Unsupported method {method!r} for a {wallet.chain_type} wallet.", "invalid_data")
        if not self._authorized_by(wallet.owner_id, request, body):
            return error(401, "Invalid or missing authorization signature for this wallet.",
                         "invalid_authorization_signature")
        key = request.headers.get("privy-idempotency-key")
        if key and ("rpc", key) in self._idempotent:
            return json_response(self._idempotent[("rpc", key)])
        if wallet.policy_ids:
            from basis.policies.evaluator import evaluate

            decision = evaluate(self.policies[wallet.policy_ids[0]], method, params)
            if not decision.allowed:
                return error(400, f"Policy violation: {decision.reason}", "policy_violation")
        try:
            data = self._sign(wallet, method, params, body)
        except signing.SigningRequestError as exc:
            return error(400, str(exc), "invalid_data")
        except ChainError as exc:
            return error(400, str(exc), "transaction_broadcast_failure")
        answer = {"method": method, "data": data}
        if key:
            self._idempotent[("rpc", key)] = answer
        return json_response(answer)

    def _sign(self, wallet: EmulatedWallet, method: str, params: dict[str, Any], body: dict[str, Any]) -> dict:
        key = wallet.key
        if isinstance(key, LocalAccount):
            if method == "eth_signTypedData_v4":
                return {"signature": signing.sign_typed_data(key, params.get("typed_data") or {}), "encoding": "hex"}
            if method == "personal_sign":
                return {"signature": signing.personal_sign(key, str(params.get("message", "")),
                                                           str(params.get("encoding", "utf-8"))), "encoding": "hex"}
            raw, tx_hash = signing.sign_transaction(key, params.get("transaction") or {})
            if method == "eth_signTransaction":
                return {"signed_transaction": raw, "encoding": "rlp"}
            self._forward(self.evm_rpc_url, "eth_sendRawTransaction", [raw])
            return {"hash": tx_hash, "caip2": body.get("caip2", "eip155:42161")}
        if method == "signMessage":
            return {"signature": signing.sign_solana_message(key, str(params.get("message", ""))),
                    "encoding": "base64"}
        signed, signature = signing.sign_solana_transaction(key, str(params.get("transaction", "")))
        if method == "signTransaction":
            return {"signed_transaction": signed, "encoding": "base64"}
        self._forward(self.solana_rpc_url, "sendTransaction", [signed, {"encoding": "base64"}])
        return {"hash": signature, "caip2": body.get("caip2", "solana:local"), "signed_transaction": signed}

    @staticmethod
    def _forward(url: str | None, method: str, params: list[Any]) -> Any:
        if url is None:
            raise ChainError("no chain RPC configured for sending")
        answer = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                               timeout=10).json()
        if "error" in answer:
            raise ChainError(f"the chain rejected the transaction: {answer['error']}")
        return answer.get("result")

    # -- policies and key quorums ----------------------------------------------------------------
    def _create_policy(self, request: Request) -> Response:
        if denied := self._authenticate(request):
            return denied
        body = self._body(request)
        if isinstance(body, Response):
            return body
        from basis.policies.evaluator import validate_policy

        if problems := validate_policy(body):
            return error(400, "Invalid policy: " + "; ".join(problems), "invalid_data")
        owner_id = body.get("owner_id")
        if owner_id is not None and owner_id not in self.key_quorums:
            return error(400, f"Key quorum {owner_id} not found.", "invalid_data")
        policy = {"id": _id("pol"), "created_at": _now_ms(), "owner_id": owner_id,
                  "version": body.get("version", "1.0"), "name": body.get("name", ""),
                  "chain_type": body.get("chain_type"),
                  "rules": [{"id": _id("rule"), **rule} for rule in body.get("rules", [])]}
        with self._state:
            self.policies[policy["id"]] = policy
        return json_response(policy)

    def _policy(self, request: Request, policy_id: str) -> Response:
        if denied := self._authenticate(request):
            return denied
        policy = self.policies.get(policy_id)
        if policy is None:
            return error(404, f"Policy {policy_id} not found.", "not_found")
        if request.method == "GET":
            return json_response(policy)
        body = request.get_json(silent=True) or {}
        # G21: changing or deleting a policy needs the owner quorum's authorization signature.
        if not request.headers.get("privy-authorization-signature") or not self._authorized_by(
                policy.get("owner_id"), request, body):
            return error(401, "Invalid or missing authorization signature for this policy.",
                         "invalid_authorization_signature")
        with self._state:
            if request.method == "DELETE":
                del self.policies[policy_id]
                return json_response({"success": True})
            updated = {**policy, **{k: v for k, v in body.items() if k in ("name", "rules", "owner_id")}}
            from basis.policies.evaluator import validate_policy

            if problems := validate_policy(updated):
                return error(400, "Invalid policy: " + "; ".join(problems), "invalid_data")
            self.policies[policy_id] = updated
        return json_response(updated)

    def _create_key_quorum(self, request: Request) -> Response:
        if denied := self._authenticate(request):
            return denied
        body = self._body(request)
        if isinstance(body, Response):
            return body
        keys = body.get("public_keys") or []
        if not keys or not all(isinstance(k, str) for k in keys):
            return error(400, "public_keys must be a non-empty list of P-256 public keys.", "invalid_data")
        quorum = {"id": _id("kq"), "authorization_keys": [{"public_key": k, "display_name": None} for k in keys],
                  "authorization_threshold": body.get("authorization_threshold", 1),
                  "display_name": body.get("display_name"), "user_ids": [], "key_quorum_ids": []}
        with self._state:
            self.key_quorums[quorum["id"]] = quorum
        return json_response(quorum)

    def _get_key_quorum(self, request: Request, quorum_id: str) -> Response:
        if denied := self._authenticate(request):
            return denied
        quorum = self.key_quorums.get(quorum_id)
        return json_response(quorum) if quorum else error(404, f"Key quorum {quorum_id} not found.", "not_found")

    # -- sign-in tokens --------------------------------------------------------------------------
    def _local_token(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not user_id.startswith("did:privy:"):
            return error(400, "user_id must look like did:privy:<id>", "invalid_data")
        ttl = int(body.get("ttl_seconds", 3600))
        return json_response({"token": self.issue_token(user_id, ttl)})

    def _local_verification_key(self, request: Request) -> Response:
        return json_response({"verification_key": self.verification_key})


class ChainError(Exception):
    """The local chain refused a transaction the emulator forwarded."""
