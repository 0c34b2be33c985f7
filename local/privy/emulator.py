"""The Privy emulator: wallets, rpc signing, policies and key quorums at the ``privy-client`` SDK's
paths and shapes, plus sign-in tokens.

Every ``/v1/`` request needs Basic auth ``app_id:app_secret`` and a matching ``privy-app-id``
header (401 otherwise). Privy's rules that the product depends on:

* wallet create: ``ethereum`` / ``solana`` with real keys; at most one policy id, of the wallet's
  chain; ``owner_id`` (a key quorum) or ``owner`` (``{"user_id"}`` / ``{"public_key"}``, turned into
  a key quorum as Privy does), ``additional_signers``; ``privy-idempotency-key`` returns the same
  wallet for the same key (see ``idempotency``).
* rpc on a wallet with an owner or additional signers needs an authorization signature from it;
  every rpc is decided by the wallet's policy with ``basis.policies.evaluator`` and a denial is
  HTTP 400 ``{"error": ..., "code": "policy_violation"}`` (the reason stays local:
  ``GET /_local/denials``).
* policy update and delete need an authorization signature: from the policy's owner quorum, or
  for an owner-less policy from an app authorization key (any key quorum's key, or one registered
  with ``register_authorization_key`` / ``POST /_local/authorization_keys``).

Test controls under ``/_local/`` besides health/requests/faults: ``GET /_local/wallets``,
``POST /_local/tokens {"user_id", "ttl_seconds"?}``, ``GET /_local/verification_key``,
``POST|GET /_local/authorization_keys``, ``GET /_local/denials``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from local.privy.authorization import count_signers, require_signatures
from local.privy.errors import PrivyError, invalid, unauthorized
from local.privy.idempotency import IdempotencyCache
from local.privy.records import PolicyRecord, WalletRecord
from local.privy.rpc import RpcPerformer, methods_for
from local.privy.store import PrivyStore
from local.privy.tokens import TokenIssuer
from local.runtime.httpservice import LocalService, json_response

log = logging.getLogger(__name__)

LOCAL_APP_ID = "basis-local-app"
# Optional request header naming the wallet's user in /_local/wallets when the body names no owner user.
USER_HEADER = "x-basis-user"
Answer = tuple[int, Any]


def _json_body(request: Request) -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise invalid("request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise invalid("request body must be a JSON object")
    return body


class PrivyEmulator(LocalService):
    name = "privy"

    def __init__(
        self,
        app_id: str = LOCAL_APP_ID,
        app_secret: str | None = None,
        *,
        evm_rpc_url: str | None = None,
        solana_rpc_url: str | None = None,
    ) -> None:
        """``app_secret=None`` accepts any secret for ``app_id`` (tests that do not care)."""
        super().__init__()
        self.app_id, self._app_secret = app_id, app_secret
        self.rpc = RpcPerformer(evm_rpc_url, solana_rpc_url)
        self.tokens = TokenIssuer(app_id)
        self.store = PrivyStore()
        self._denials: deque[dict[str, Any]] = deque(maxlen=500)
        self._denials_lock = threading.Lock()
        self._idempotency = IdempotencyCache()
        api: list[tuple[str, str, Callable[..., Answer]]] = [
            ("/v1/wallets", "POST", self._create_wallet),
            ("/v1/wallets", "GET", self._list_wallets),
            (
                "/v1/wallets/<wallet_id>",
                "GET",
                lambda r, wallet_id: (200, self.store.wallet(wallet_id).view()),
            ),
            ("/v1/wallets/<wallet_id>/rpc", "POST", self._wallet_rpc),
            ("/v1/policies", "POST", self._create_policy),
            (
                "/v1/policies/<policy_id>",
                "GET",
                lambda r, policy_id: (200, self.store.policy(policy_id).view()),
            ),
            ("/v1/policies/<policy_id>", "PATCH", self._update_policy),
            ("/v1/policies/<policy_id>", "DELETE", self._delete_policy),
            ("/v1/key_quorums", "POST", lambda r: (200, self.store.create_key_quorum(_json_body(r)).view())),
            (
                "/v1/key_quorums/<quorum_id>",
                "GET",
                lambda r, quorum_id: (200, self.store.key_quorum(quorum_id).view()),
            ),
        ]
        for rule, method, handler in api:
            self.route(rule, [method])(self._privy_endpoint(handler, f"{method} {rule}"))
        self.route("/_local/wallets", methods=["GET"])(self._local_wallets)
        self.route("/_local/tokens", methods=["POST"])(self._local_tokens)
        self.route("/_local/verification_key", methods=["GET"])(self._local_verification_key)
        self.route("/_local/authorization_keys", methods=["GET", "POST"])(self._local_authorization_keys)
        self.route("/_local/denials", methods=["GET"])(self._local_denials)

    # -- the Python API tests and the stack use --------------------------------------------------
    def issue_token(self, user_id: str, ttl: int = 3600, *, ttl_seconds: int | None = None) -> str:
        """A Privy-style ES256 access token for ``user_id`` (``ttl_seconds`` overrides ``ttl``)."""
        return self.tokens.issue(user_id, ttl if ttl_seconds is None else ttl_seconds)

    @property
    def verification_key(self) -> str:
        return self.tokens.verification_key

    def private_key_of(self, wallet_id: str) -> str:
        """Test only: the wallet's private key (0x hex for ethereum, base58 keypair for solana)."""
        wallet = self.store.wallet(wallet_id)
        return wallet.eth_key if wallet.chain_type == "ethereum" else str(wallet.keypair)

    def register_authorization_key(self, public_key: str) -> str:
        """An app authorization key (base64 DER P-256): it may change owner-less policies."""
        return self.store.register_app_key(public_key)

    def wallets(self) -> list[dict[str, Any]]:
        return [w.local_view() for w in self.store.find_wallets()]

    def health_details(self) -> dict[str, Any]:
        with self._denials_lock:
            return {**self.store.counts(), "policy_denials": len(self._denials)}

    # -- plumbing ----------------------------------------------------------------------------------
    def _privy_endpoint(self, handler: Callable[..., Answer], name: str) -> Callable[..., Response]:
        def endpoint(request: Request, **args: Any) -> Response:
            try:
                self._authenticate(request)
                status, body = handler(request, **args)
            except PrivyError as exc:
                return json_response(exc.body(), exc.status)
            return json_response(body, status)

        endpoint.__name__ = name
        return endpoint

    def _authenticate(self, request: Request) -> None:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            app_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            app_id, secret = "", ""
        expected = self._app_secret
        secret_ok = expected is None or hmac.compare_digest(secret.encode(), expected.encode())
        if scheme.lower() != "basic" or app_id != self.app_id or not secret or not secret_ok:
            raise unauthorized("invalid_credentials", "Invalid app ID or app secret.")
        if request.headers.get("privy-app-id") != self.app_id:
            raise unauthorized("invalid_credentials", "privy-app-id header is missing or names another app")

    def _idempotent(self, request: Request, scope: str, body: Any, handler: Callable[[], Answer]) -> Answer:
        key = request.headers.get("privy-idempotency-key")
        if not key:
            return handler()
        return self._idempotency.run(f"{scope}:{key}", body, handler)

    # -- wallets -----------------------------------------------------------------------------------
    def _create_wallet(self, request: Request) -> Answer:
        body = _json_body(request)

        def create() -> Answer:
            wallet = self.store.create_wallet(
                body,
                user=request.headers.get(USER_HEADER),
                idempotency_key=request.headers.get("privy-idempotency-key"),
            )
            log.info("privy emulator: created %s wallet %s", wallet.chain_type, wallet.id)
            return 200, wallet.view()

        return self._idempotent(request, "POST /v1/wallets", body, create)

    def _list_wallets(self, request: Request) -> Answer:
        args = request.args
        wallets = self.store.find_wallets(
            chain_type=args.get("chain_type"), user_id=args.get("user_id"), address=args.get("address")
        )
        ids = [w.id for w in wallets]
        start = ids.index(args["cursor"]) if args.get("cursor") in ids else 0
        try:
            limit = max(1, min(int(float(args.get("limit", 100))), 100))
        except ValueError as exc:
            raise invalid("limit must be a number") from exc
        following = ids[start + limit] if start + limit < len(ids) else None
        return 200, {"data": [w.view() for w in wallets[start : start + limit]], "next_cursor": following}

    # -- rpc -------------------------------------------------------------------------------------
    def _wallet_rpc(self, request: Request, wallet_id: str) -> Answer:
        wallet = self.store.wallet(wallet_id)
        body = _json_body(request)
        method, params = body.get("method"), body.get("params")
        if not isinstance(method, str) or method not in methods_for(wallet.chain_type):
            raise invalid(
                f"method {method!r} is not supported for {wallet.chain_type} wallets by the emulator"
            )
        if not isinstance(params, dict):
            raise invalid("params must be an object")
        if body.get("chain_type") not in (None, wallet.chain_type):
            raise invalid(
                f"chain_type {body['chain_type']!r} does not match the wallet ({wallet.chain_type})"
            )
        policy_ids = self._authorize_rpc(request, wallet)

        def perform() -> Answer:
            self._enforce(wallet, policy_ids, method, params)
            return 200, self.rpc.perform(wallet, method, params, body.get("caip2"))

        return self._idempotent(request, f"rpc {wallet.id}", body, perform)

    def _authorize_rpc(self, request: Request, wallet: WalletRecord) -> list[str]:
        """The policy ids that apply, once the wallet's owner or an additional signer has signed."""
        candidates = [(wallet.owner_id, wallet.policy_ids)] if wallet.owner_id else []
        candidates += [
            (s["signer_id"], s.get("override_policy_ids") or wallet.policy_ids)
            for s in wallet.additional_signers
        ]
        if not candidates:
            return list(wallet.policy_ids)
        if not request.headers.get("privy-authorization-signature", "").strip(","):
            raise unauthorized(
                "missing_or_empty_authorization_header",
                "this wallet has an owner: the request needs a privy-authorization-signature",
            )
        for quorum_id, policy_ids in candidates:
            quorum = self.store.key_quorum(quorum_id)
            if quorum.public_keys and count_signers(request, quorum.public_keys) >= quorum.threshold:
                return list(policy_ids)
        raise unauthorized(
            "zero_correct_authorization_signatures",
            "no valid authorization signature from the wallet's owner or additional signers",
        )

    def _enforce(
        self, wallet: WalletRecord, policy_ids: list[str], method: str, params: dict[str, Any]
    ) -> None:
        from basis.policies.evaluator import evaluate

        for policy_id in policy_ids:
            policy = self.store.policies.get(policy_id)
            if policy is None:  # deleted after it was attached: fail closed
                rule, reason, allowed = None, f"policy {policy_id} no longer exists", False
            else:
                decision = evaluate(policy.view(), method, params)
                rule, reason, allowed = decision.rule, decision.reason, decision.allowed
            if not allowed:
                with self._denials_lock:
                    self._denials.append(
                        {
                            "wallet_id": wallet.id,
                            "policy_id": policy_id,
                            "method": method,
                            "rule": rule,
                            "reason": reason,
                        }
                    )
                raise PrivyError(
                    400, "policy_violation", "Policy violation: the request was denied by the wallet's policy"
                )

    # -- policies ----------------------------------------------------------------------------------
    def _create_policy(self, request: Request) -> Answer:
        body = _json_body(request)
        return self._idempotent(
            request, "POST /v1/policies", body, lambda: (200, self.store.create_policy(body).view())
        )

    def _authorize_policy_change(self, request: Request, policy: PolicyRecord) -> None:
        what = f"changing policy {policy.id}"
        if policy.owner_id:
            quorum = self.store.key_quorum(policy.owner_id)
            require_signatures(request, quorum.public_keys, quorum.threshold, what)
        else:
            require_signatures(request, self.store.app_authorization_keys(), 1, what)

    def _update_policy(self, request: Request, policy_id: str) -> Answer:
        policy = self.store.policy(policy_id)
        body = _json_body(request)
        self._authorize_policy_change(request, policy)
        return 200, self.store.update_policy(policy, body).view()

    def _delete_policy(self, request: Request, policy_id: str) -> Answer:
        policy = self.store.policy(policy_id)
        self._authorize_policy_change(request, policy)
        self.store.delete_policy(policy_id)
        return 200, {"success": True}

    # -- /_local/ ----------------------------------------------------------------------------------
    def _local_wallets(self, request: Request) -> Response:
        found = self.store.find_wallets(
            chain_type=request.args.get("chain_type"), user_id=request.args.get("user")
        )
        return json_response({"wallets": [w.local_view() for w in found]})

    def _local_tokens(self, request: Request) -> Response:
        spec = request.get_json(silent=True)
        if not isinstance(spec, dict) or not isinstance(spec.get("user_id"), str) or not spec["user_id"]:
            return json_response(
                {"error": "body must be {'user_id': 'did:privy:...', 'ttl_seconds'?: int}"}, 400
            )
        ttl = spec.get("ttl_seconds", 3600)
        if not isinstance(ttl, int) or isinstance(ttl, bool):
            return json_response({"error": "ttl_seconds must be an integer"}, 400)
        return json_response({"token": self.issue_token(spec["user_id"], ttl)}, 201)

    def _local_verification_key(self, request: Request) -> Response:
        return json_response(
            {
                "verification_key": self.verification_key,
                "algorithm": "ES256",
                "issuer": "privy.io",
                "audience": self.app_id,
            }
        )

    def _local_authorization_keys(self, request: Request) -> Response:
        if request.method == "GET":
            return json_response({"authorization_keys": self.store.app_authorization_keys()})
        spec = request.get_json(silent=True)
        if not isinstance(spec, dict) or not isinstance(spec.get("public_key"), str):
            return json_response({"error": "body must be {'public_key': '<base64 DER P-256>'}"}, 400)
        try:
            key = self.register_authorization_key(spec["public_key"])
        except PrivyError as exc:
            return json_response(exc.body(), exc.status)
        return json_response({"public_key": key}, 201)

    def _local_denials(self, request: Request) -> Response:
        with self._denials_lock:
            return json_response({"denials": list(self._denials)})
