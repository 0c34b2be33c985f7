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

from local.httpservice import LocalService, json_response
from local.privy.authorization import count_signers, normalize_public_key, require_signatures
from local.privy.errors import PrivyError, invalid, not_found, unauthorized
from local.privy.idempotency import IdempotencyCache
from local.privy.records import KeyQuorumRecord, PolicyRecord, WalletRecord, new_id
from local.privy.rpc import RpcPerformer, methods_for
from local.privy.tokens import TokenIssuer

log = logging.getLogger(__name__)

LOCAL_APP_ID = "basis-local-app"
CHAINS = ("ethereum", "solana")
USER_HEADER = (
    "x-basis-user"  # optional: names the wallet's user in /_local/wallets when no owner user is given
)


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


def _policy_problems(body: dict[str, Any]) -> list[str]:
    from basis.policies.evaluator import validate_policy

    return validate_policy(body)


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
        self._store = threading.RLock()
        self._wallets: dict[str, WalletRecord] = {}
        self._policies: dict[str, PolicyRecord] = {}
        self._quorums: dict[str, KeyQuorumRecord] = {}
        self._app_keys: list[str] = []
        self._denials: deque[dict[str, Any]] = deque(maxlen=500)
        self._idempotency = IdempotencyCache()
        api: list[tuple[str, list[str], Callable[..., Any]]] = [
            ("/v1/wallets", ["POST"], self._create_wallet),
            ("/v1/wallets", ["GET"], self._list_wallets),
            ("/v1/wallets/<wallet_id>", ["GET"], self._get_wallet),
            ("/v1/wallets/<wallet_id>/rpc", ["POST"], self._wallet_rpc),
            ("/v1/policies", ["POST"], self._create_policy),
            ("/v1/policies/<policy_id>", ["GET"], self._get_policy),
            ("/v1/policies/<policy_id>", ["PATCH"], self._update_policy),
            ("/v1/policies/<policy_id>", ["DELETE"], self._delete_policy),
            ("/v1/key_quorums", ["POST"], self._create_key_quorum),
            ("/v1/key_quorums/<quorum_id>", ["GET"], self._get_key_quorum),
        ]
        for rule, methods, handler in api:
            self.route(rule, methods)(self._privy_endpoint(handler))
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
        with self._store:
            wallet = self._wallets[wallet_id]
        return wallet.eth_key if wallet.chain_type == "ethereum" else str(wallet.keypair)

    def register_authorization_key(self, public_key: str) -> str:
        key = normalize_public_key(public_key)
        with self._store:
            if key not in self._app_keys:
                self._app_keys.append(key)
        return key

    def wallets(self) -> list[dict[str, Any]]:
        with self._store:
            return [w.local_view() for w in self._wallets.values()]

    def health_details(self) -> dict[str, Any]:
        with self._store:
            chains = [w.chain_type for w in self._wallets.values()]
            return {
                "wallets": len(chains),
                "ethereum_wallets": chains.count("ethereum"),
                "solana_wallets": chains.count("solana"),
                "policies": len(self._policies),
                "key_quorums": len(self._quorums),
                "policy_denials": len(self._denials),
            }

    # -- plumbing ----------------------------------------------------------------------------------
    def _privy_endpoint(self, handler: Callable[..., Any]) -> Callable[..., Response]:
        def endpoint(request: Request, **args: Any) -> Response:
            try:
                self._authenticate(request)
                status, body = handler(request, **args)
            except PrivyError as exc:
                return json_response(exc.body(), exc.status)
            return json_response(body, status)

        endpoint.__name__ = handler.__name__
        return endpoint

    def _authenticate(self, request: Request) -> None:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            app_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            app_id, secret = "", ""
        secret_ok = self._app_secret is None or hmac.compare_digest(
            secret.encode(), self._app_secret.encode()
        )
        if scheme.lower() != "basic" or app_id != self.app_id or not secret or not secret_ok:
            raise unauthorized("invalid_credentials", "Invalid app ID or app secret.")
        if request.headers.get("privy-app-id") != self.app_id:
            raise unauthorized(
                "invalid_credentials", "privy-app-id header is missing or does not match the app"
            )

    def _idempotent(
        self, request: Request, scope: str, body: Any, handler: Callable[[], tuple[int, Any]]
    ) -> tuple[int, Any]:
        key = request.headers.get("privy-idempotency-key")
        if not key:
            return handler()
        return self._idempotency.run(f"{scope}:{key}", body, handler)

    def _owner_quorum(self, body: dict[str, Any]) -> tuple[str | None, str | None]:
        """(owner key quorum id, owner user id) from ``owner_id`` / ``owner``."""
        owner, owner_id = body.get("owner"), body.get("owner_id")
        if owner is not None and owner_id is not None:
            raise invalid("specify owner or owner_id, not both")
        if owner_id is not None:
            if not isinstance(owner_id, str) or owner_id not in self._quorums:
                raise invalid(f"owner_id {owner_id!r} is not a key quorum of this app")
            return owner_id, None
        if owner is None:
            return None, None
        if not isinstance(owner, dict) or not (owner.get("user_id") or owner.get("public_key")):
            raise invalid("owner must be {'user_id': ...} or {'public_key': ...}")
        if owner.get("user_id"):
            user = str(owner["user_id"])
            quorum = KeyQuorumRecord(new_id(), [], user_ids=[user])
        else:
            quorum = KeyQuorumRecord(new_id(), [normalize_public_key(str(owner["public_key"]))])
            user = None
        self._quorums[quorum.id] = quorum
        return quorum.id, user

    # -- wallets -----------------------------------------------------------------------------------
    def _create_wallet(self, request: Request) -> tuple[int, Any]:
        body = _json_body(request)
        return self._idempotent(
            request, "POST /v1/wallets", body, lambda: (200, self._new_wallet(request, body))
        )

    def _new_wallet(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        chain_type = body.get("chain_type")
        if chain_type not in CHAINS:
            raise invalid(f"chain_type {chain_type!r} is not supported by the emulator (ethereum, solana)")
        policy_ids = body.get("policy_ids") or []
        if not isinstance(policy_ids, list) or len(policy_ids) > 1:
            raise invalid("policy_ids must be a list of at most one policy id")
        signers = body.get("additional_signers") or []
        if not isinstance(signers, list) or not all(
            isinstance(s, dict) and s.get("signer_id") for s in signers
        ):
            raise invalid("additional_signers must be a list of {'signer_id': ...}")
        with self._store:
            for policy_id in policy_ids:
                policy = self._policies.get(policy_id)
                if policy is None:
                    raise invalid(f"policy {policy_id} does not exist")
                if policy.chain_type != chain_type:
                    raise invalid(f"policy {policy_id} is for {policy.chain_type}, not {chain_type}")
            for signer in signers:
                if signer["signer_id"] not in self._quorums:
                    raise invalid(f"additional signer {signer['signer_id']} is not a key quorum of this app")
            owner_id, owner_user = self._owner_quorum(body)
            wallet = WalletRecord.generate(
                chain_type,
                policy_ids=list(policy_ids),
                owner_id=owner_id,
                owner_user=owner_user or request.headers.get(USER_HEADER),
                additional_signers=[
                    {"signer_id": s["signer_id"], "override_policy_ids": s.get("override_policy_ids")}
                    for s in signers
                ],
                display_name=body.get("display_name"),
                external_id=body.get("external_id"),
                idempotency_key=request.headers.get("privy-idempotency-key"),
            )
            self._wallets[wallet.id] = wallet
        log.info("privy emulator: created %s wallet %s", chain_type, wallet.id)
        return wallet.view()

    def _wallet(self, wallet_id: str) -> WalletRecord:
        with self._store:
            wallet = self._wallets.get(wallet_id)
        if wallet is None:
            raise not_found("wallet", wallet_id)
        return wallet

    def _get_wallet(self, request: Request, wallet_id: str) -> tuple[int, Any]:
        return 200, self._wallet(wallet_id).view()

    def _list_wallets(self, request: Request) -> tuple[int, Any]:
        args = request.args
        with self._store:
            wallets = [
                w
                for w in self._wallets.values()
                if (not args.get("chain_type") or w.chain_type == args["chain_type"])
                and (not args.get("user_id") or w.owner_user == args["user_id"])
                and (not args.get("address") or w.address.lower() == args["address"].lower())
            ]
        ids = [w.id for w in wallets]
        start = ids.index(args["cursor"]) if args.get("cursor") in ids else 0
        limit = max(1, min(int(float(args.get("limit", 100))), 100))
        page = wallets[start : start + limit]
        following = wallets[start + limit].id if start + limit < len(wallets) else None
        return 200, {"data": [w.view() for w in page], "next_cursor": following}

    # -- rpc -------------------------------------------------------------------------------------
    def _wallet_rpc(self, request: Request, wallet_id: str) -> tuple[int, Any]:
        wallet = self._wallet(wallet_id)
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

        def perform() -> tuple[int, Any]:
            self._enforce(wallet, policy_ids, method, params)
            return 200, self.rpc.perform(wallet, method, params, body.get("caip2"))

        return self._idempotent(request, f"rpc {wallet.id}", body, perform)

    def _authorize_rpc(self, request: Request, wallet: WalletRecord) -> list[str]:
        """The policy ids that apply, once the wallet's owner or an additional signer signed."""
        candidates = [(wallet.owner_id, wallet.policy_ids)] if wallet.owner_id else []
        candidates += [
            (s["signer_id"], s.get("override_policy_ids") or wallet.policy_ids)
            for s in wallet.additional_signers
        ]
        if not candidates:
            return wallet.policy_ids
        if not request.headers.get("privy-authorization-signature", "").strip(","):
            raise unauthorized(
                "missing_or_empty_authorization_header",
                "this wallet has an owner: the request needs a privy-authorization-signature",
            )
        with self._store:
            quorums = [(self._quorums.get(q), ids) for q, ids in candidates]
        for quorum, ids in quorums:
            if (
                quorum is not None
                and quorum.public_keys
                and count_signers(request, quorum.public_keys) >= quorum.threshold
            ):
                return list(ids)
        raise unauthorized(
            "zero_correct_authorization_signatures",
            "no valid authorization signature from the wallet's owner or additional signers",
        )

    def _enforce(
        self, wallet: WalletRecord, policy_ids: list[str], method: str, params: dict[str, Any]
    ) -> None:
        from basis.policies.evaluator import evaluate

        for policy_id in policy_ids:
            with self._store:
                policy = self._policies.get(policy_id)
            if policy is None:
                decision_rule, reason, allowed = None, f"policy {policy_id} no longer exists", False
            else:
                decision = evaluate(policy.view(), method, params)
                decision_rule, reason, allowed = decision.rule, decision.reason, decision.allowed
            if not allowed:
                self._denials.append(
                    {
                        "wallet_id": wallet.id,
                        "policy_id": policy_id,
                        "method": method,
                        "rule": decision_rule,
                        "reason": reason,
                    }
                )
                raise PrivyError(
                    400, "policy_violation", "Policy violation: the request was denied by the wallet's policy"
                )

    # -- policies ----------------------------------------------------------------------------------
    def _create_policy(self, request: Request) -> tuple[int, Any]:
        body = _json_body(request)
        return self._idempotent(request, "POST /v1/policies", body, lambda: (200, self._new_policy(body)))

    def _new_policy(self, body: dict[str, Any]) -> dict[str, Any]:
        problems = _policy_problems(body)
        if isinstance(body.get("name"), str) and len(body["name"]) > 50:
            problems.append("name must be at most 50 characters")
        if problems:
            raise invalid("invalid policy: " + "; ".join(problems))
        with self._store:
            owner_id, _ = self._owner_quorum(body)
            policy = PolicyRecord(
                new_id(),
                body["name"],
                body["chain_type"],
                self._with_ids(body["rules"]),
                owner_id=owner_id,
                version=body["version"],
            )
            self._policies[policy.id] = policy
        return policy.view()

    @staticmethod
    def _with_ids(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "id": rule.get("id") or new_id(),
                "name": rule["name"],
                "method": rule["method"],
                "conditions": rule["conditions"],
                "action": rule["action"],
            }
            for rule in rules
        ]

    def _policy(self, policy_id: str) -> PolicyRecord:
        with self._store:
            policy = self._policies.get(policy_id)
        if policy is None:
            raise not_found("policy", policy_id)
        return policy

    def _get_policy(self, request: Request, policy_id: str) -> tuple[int, Any]:
        return 200, self._policy(policy_id).view()

    def _authorize_policy_change(self, request: Request, policy: PolicyRecord) -> None:
        with self._store:
            quorum = self._quorums.get(policy.owner_id) if policy.owner_id else None
            app_keys = list(
                dict.fromkeys(self._app_keys + [k for q in self._quorums.values() for k in q.public_keys])
            )
        what = f"changing policy {policy.id}"
        if quorum is not None:
            require_signatures(request, quorum.public_keys, quorum.threshold, what)
        else:
            require_signatures(request, app_keys, 1, what)

    def _update_policy(self, request: Request, policy_id: str) -> tuple[int, Any]:
        policy = self._policy(policy_id)
        body = _json_body(request)
        self._authorize_policy_change(request, policy)
        merged = {**policy.view(), **{k: v for k, v in body.items() if k in ("name", "rules")}}
        problems = _policy_problems(merged)
        if problems:
            raise invalid("invalid policy: " + "; ".join(problems))
        with self._store:
            if "owner" in body or "owner_id" in body:
                policy.owner_id, _ = self._owner_quorum(body)
            policy.name, policy.rules = merged["name"], self._with_ids(merged["rules"])
        return 200, policy.view()

    def _delete_policy(self, request: Request, policy_id: str) -> tuple[int, Any]:
        policy = self._policy(policy_id)
        self._authorize_policy_change(request, policy)
        with self._store:
            self._policies.pop(policy_id, None)
        return 200, {"success": True}

    # -- key quorums -------------------------------------------------------------------------------
    def _create_key_quorum(self, request: Request) -> tuple[int, Any]:
        body = _json_body(request)
        keys = [normalize_public_key(str(k)) for k in body.get("public_keys") or []]
        users = [str(u) for u in body.get("user_ids") or []]
        nested = [str(q) for q in body.get("key_quorum_ids") or []]
        members = len(keys) + len(users) + len(nested)
        if not members:
            raise invalid("a key quorum needs at least one of public_keys, user_ids, key_quorum_ids")
        threshold = body.get("authorization_threshold")
        if threshold is not None and not (isinstance(threshold, int | float) and 1 <= threshold <= members):
            raise invalid("authorization_threshold must be between 1 and the number of members")
        with self._store:
            unknown = [q for q in nested if q not in self._quorums]
            if unknown:
                raise invalid(f"key quorums {unknown} do not exist")
            quorum = KeyQuorumRecord(
                new_id(),
                keys,
                users,
                nested,
                int(threshold) if threshold is not None else None,
                body.get("display_name"),
            )
            self._quorums[quorum.id] = quorum
        return 200, quorum.view()

    def _get_key_quorum(self, request: Request, quorum_id: str) -> tuple[int, Any]:
        with self._store:
            quorum = self._quorums.get(quorum_id)
        if quorum is None:
            raise not_found("key quorum", quorum_id)
        return 200, quorum.view()

    # -- /_local/ ----------------------------------------------------------------------------------
    def _local_wallets(self, request: Request) -> Response:
        user, chain = request.args.get("user"), request.args.get("chain_type")
        wallets = [
            w
            for w in self.wallets()
            if (not user or w["owner_user"] == user) and (not chain or w["chain_type"] == chain)
        ]
        return json_response({"wallets": wallets})

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
        if request.method == "POST":
            spec = request.get_json(silent=True)
            if not isinstance(spec, dict) or not isinstance(spec.get("public_key"), str):
                return json_response({"error": "body must be {'public_key': '<base64 DER P-256>'}"}, 400)
            try:
                key = self.register_authorization_key(spec["public_key"])
            except PrivyError as exc:
                return json_response(exc.body(), exc.status)
            return json_response({"public_key": key}, 201)
        with self._store:
            return json_response({"authorization_keys": list(self._app_keys)})

    def _local_denials(self, request: Request) -> Response:
        with self._store:
            return json_response({"denials": list(self._denials)})
