"""The Privy emulator: wallets, rpc signing, policies and key quorums at the ``privy-client`` SDK's
paths and shapes, plus sign-in tokens.

Every ``/v1/`` request needs Basic auth ``app_id:app_secret`` and a matching ``privy-app-id``
header (401 otherwise). Privy's rules that the product depends on:

* wallet create: ``ethereum`` / ``solana`` with real keys; at most one policy id, of the wallet's
  chain; ``owner_id`` (a key quorum) or ``owner`` (``{"user_id"}`` / ``{"public_key"}``, turned into
  a key quorum as Privy does: the wallet's ``owner_id`` is that quorum), ``additional_signers``
  (``[{"signer_id": <key quorum>, "override_policy_ids": [<at most one policy of the chain>]}]``);
  ``privy-idempotency-key`` returns the same wallet for the same key (see ``idempotency``).
* ``POST /v1/wallets/authenticate`` ``{"user_jwt", "encryption_type": "HPKE",
  "recipient_public_key"}``: a user's access token (ES256 with the key sign-in tokens are issued
  with, ``aud`` this app, not expired; otherwise 400 "Invalid JWT token provided.") is exchanged
  for a new P-256 user key valid ``user_key_ttl_seconds`` (10 min), HPKE-sealed to the recipient
  key: ``{"encrypted_authorization_key": {...}, "expires_at": <ms>, "wallets": [...]}`` (see
  ``user_keys``). privy-client does this itself for ``AuthorizationContext(user_jwts=[...])``.
* who acts: a request is the OWNER's when the owner quorum is satisfied by its signatures (public
  keys, users through a live user key, nested quorums), else the first ADDITIONAL SIGNER's whose
  quorum is. rpc: the owner's requests are decided by the wallet's ``policy_ids``; a signer's by
  its ``override_policy_ids`` only (the wallet's ``policy_ids`` when it has none), as at Privy.
  No acceptable signature on a wallet with an owner or signers: 401. A wallet without either
  signs with the app secret alone under its ``policy_ids``. Every rpc is decided with
  ``basis.policies.evaluator``, ``{{wallet.address}}`` standing for the signing wallet's address as
  at Privy; a denial is HTTP 400 ``{"error": ..., "code": "policy_violation"}`` (the reason stays
  local: ``GET /_local/denials``).
* ``PATCH /v1/wallets/{id}`` (``owner`` / ``owner_id`` / ``additional_signers`` / ``policy_ids`` /
  ``display_name`` / write-once ``external_id``; fields left out stay): only the owner may change
  a wallet that has one (a signer's or anyone else's signature: 401); an owner-less wallet changes
  with the app secret.
* ``PATCH /v1/key_quorums/{id}`` (``public_keys`` / ``user_ids`` / ``key_quorum_ids`` each replace
  that member list, ``authorization_threshold`` (1..members), ``display_name``; at least one; fields
  left out stay; nesting one level deep): signed by ``threshold`` of the quorum's current members
  (401 otherwise), e.g. the platform's key rotation adds a key, then removes the old one.
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

import jwt
from werkzeug.wrappers import Request, Response

from local.privy.authorization import check_expiry, count_signers, members_signed, require_signatures
from local.privy.errors import PrivyError, invalid, unauthorized
from local.privy.idempotency import IdempotencyCache
from local.privy.records import KeyQuorumRecord, PolicyRecord, WalletRecord
from local.privy.rpc import RpcPerformer, methods_for
from local.privy.store import PrivyStore
from local.privy.tokens import TokenIssuer
from local.privy.user_keys import USER_KEY_TTL_SECONDS, UserKeys
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
        user_key_ttl_seconds: int = USER_KEY_TTL_SECONDS,
    ) -> None:
        """``app_secret=None`` accepts any secret for ``app_id`` (tests that do not care)."""
        super().__init__()
        self.app_id, self._app_secret = app_id, app_secret
        self.rpc = RpcPerformer(evm_rpc_url, solana_rpc_url)
        self.tokens = TokenIssuer(app_id)
        self.user_keys = UserKeys(user_key_ttl_seconds)
        self.store = PrivyStore()
        self._denials: deque[dict[str, Any]] = deque(maxlen=500)
        self._denials_lock = threading.Lock()
        self._idempotency = IdempotencyCache()
        api: list[tuple[str, str, Callable[..., Answer]]] = [
            ("/v1/wallets", "POST", self._create_wallet),
            ("/v1/wallets", "GET", self._list_wallets),
            ("/v1/wallets/authenticate", "POST", self._authenticate_user),
            (
                "/v1/wallets/<wallet_id>",
                "GET",
                lambda r, wallet_id: (200, self.store.wallet(wallet_id).view()),
            ),
            ("/v1/wallets/<wallet_id>", "PATCH", self._update_wallet),
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
            ("/v1/key_quorums/<quorum_id>", "PATCH", self._update_key_quorum),
        ]
        for rule, method, handler in api:
            self.route(rule, [method])(self._privy_endpoint(handler, f"{method} {rule}"))
        self.route("/_local/wallets", methods=["GET"])(self._local_wallets)
        self.route("/_local/tokens", methods=["POST"])(self._local_tokens)
        self.route("/_local/verification_key", methods=["GET"])(self._local_verification_key)
        self.route("/_local/authorization_keys", methods=["GET", "POST"])(self._local_authorization_keys)
        self.route("/_local/denials", methods=["GET"])(self._local_denials)

    # -- the Python API tests and the stack use --------------------------------------------------
    def issue_token(
        self,
        user_id: str,
        ttl: int = 3600,
        *,
        ttl_seconds: int | None = None,
        now: float | None = None,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """A Privy-style ES256 access token for ``user_id`` (``ttl_seconds`` overrides ``ttl``;
        ``now``, ``claims``: see ``TokenIssuer.issue``)."""
        return self.tokens.issue(user_id, ttl if ttl_seconds is None else ttl_seconds, now=now, claims=claims)

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
            denials = len(self._denials)
        return {**self.store.counts(), "user_keys": self.user_keys.count(), "policy_denials": denials}

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

    def _signed(self, request: Request, quorum: KeyQuorumRecord) -> int:
        return members_signed(request, quorum, self.user_keys.valid, self.store.key_quorum)

    def _acting(self, request: Request, wallet: WalletRecord) -> tuple[str, list[str]] | None:
        """Who acts on ``wallet`` by this request's signatures, and the policy ids that decide for
        them: ("owner", the wallet's policy_ids) or ("signer", its override policy ids)."""
        if wallet.owner_id:
            owner = self.store.key_quorum(wallet.owner_id)
            if self._signed(request, owner) >= owner.threshold:
                return "owner", list(wallet.policy_ids)
        for signer in wallet.additional_signers:
            quorum = self.store.key_quorum(signer["signer_id"])
            if self._signed(request, quorum) >= quorum.threshold:
                return "signer", list(signer.get("override_policy_ids") or wallet.policy_ids)
        return None

    def _authorize_rpc(self, request: Request, wallet: WalletRecord) -> list[str]:
        """The policy ids that decide this rpc, once the wallet's owner or an additional signer signed."""
        if not wallet.owner_id and not wallet.additional_signers:
            return list(wallet.policy_ids)
        if not request.headers.get("privy-authorization-signature", "").strip(","):
            raise unauthorized(
                "missing_or_empty_authorization_header",
                "this wallet has an owner or signers: the request needs a privy-authorization-signature",
            )
        check_expiry(request)
        acting = self._acting(request, wallet)
        if acting is None:
            raise unauthorized(
                "zero_correct_authorization_signatures",
                "no valid authorization signature from the wallet's owner or additional signers",
            )
        return acting[1]

    def _update_wallet(self, request: Request, wallet_id: str) -> Answer:
        wallet = self.store.wallet(wallet_id)
        body = _json_body(request)
        if wallet.owner_id:
            owner = self.store.key_quorum(wallet.owner_id)
            what = f"updating wallet {wallet.id} (its owner)"
            require_signatures(request, lambda: self._signed(request, owner), owner.threshold, what)
        updated = self.store.update_wallet(wallet, body)
        log.info("privy emulator: updated wallet %s (%s)", wallet.id, ", ".join(sorted(body)))
        return 200, updated.view()

    # -- user keys ---------------------------------------------------------------------------------
    def _authenticate_user(self, request: Request) -> Answer:
        body = _json_body(request)
        token, recipient = body.get("user_jwt"), body.get("recipient_public_key")
        if body.get("encryption_type") != "HPKE":
            raise invalid("encryption_type must be 'HPKE'")
        if not isinstance(token, str) or not isinstance(recipient, str):
            raise invalid("user_jwt and recipient_public_key are required strings")
        try:
            user_id = self.tokens.verify(token)
        except jwt.InvalidTokenError as exc:
            log.info("privy emulator: user key refused: %s", exc)
            raise invalid("Invalid JWT token provided.") from exc
        sealed, expires_at = self.user_keys.issue(user_id, recipient)
        wallets = [w.view() for w in self.store.wallets_of_user(user_id)]
        log.info("privy emulator: issued a user key for %s (%d wallets)", user_id, len(wallets))
        return 200, {"encrypted_authorization_key": sealed, "expires_at": expires_at, "wallets": wallets}

    def _enforce(
        self, wallet: WalletRecord, policy_ids: list[str], method: str, params: dict[str, Any]
    ) -> None:
        from basis.policies.evaluator import evaluate

        for policy_id in policy_ids:
            policy = self.store.policies.get(policy_id)
            if policy is None:  # deleted after it was attached: fail closed
                rule, reason, allowed = None, f"policy {policy_id} no longer exists", False
            else:
                decision = evaluate(policy.view(), method, params, wallet=wallet.address)
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
            require_signatures(request, lambda: self._signed(request, quorum), quorum.threshold, what)
        else:
            app_keys = self.store.app_authorization_keys()
            require_signatures(request, lambda: count_signers(request, app_keys), 1, what)

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

    # -- key quorums ------------------------------------------------------------------------------
    def _update_key_quorum(self, request: Request, quorum_id: str) -> Answer:
        """Authorized by enough of the quorum's CURRENT members (its threshold): a quorum changes
        itself. A key taken out no longer signs for anything the quorum owns or signs."""
        quorum = self.store.key_quorum(quorum_id)
        body = _json_body(request)
        what = f"updating key quorum {quorum.id} (its members)"
        require_signatures(request, lambda: self._signed(request, quorum), quorum.threshold, what)
        updated = self.store.update_key_quorum(quorum, body)
        log.info("privy emulator: updated key quorum %s (%s)", quorum.id, ", ".join(sorted(body)))
        return 200, updated.view()

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
