"""``PrivyWalletSigner``: every signature the platform asks of a user's server wallet (seed 3.1).

Built with the wallet id stored on the user's row (never resolved from an address). Each request
goes through one path, ``_call_rpc``:

1. preflight: the wallet's policy (when given) is evaluated locally; a denial raises
   ``PolicyDeniedError(preflight=True)`` without a network call. An allow is only advisory:
   Privy is still asked and stays the authority.
2. caps: what the request moves (USDC / SOL / SPL) is reserved against the user's rolling 24 h
   caps; a refusal raises ``SpendCapExceededError`` without a network call.
3. breaker: the shared circuit breaker must let the call out (``CircuitOpenError`` otherwise).
4. Privy ``wallets.rpc`` with the platform's authorization signature and one idempotency key for
   every attempt of this request (a retried send cannot broadcast twice). Transient failures are
   retried with backoff; a policy denial never is.
5. reservations are committed on success and released on any failure; one telemetry record.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from basis.platform.observability import logger
from basis.policies.settings import PolicySettings, get_policy_settings
from basis.signing import caps as spend_caps
from basis.signing import telemetry
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.classify import NOT_PROCESSED_STATUSES, Failure, backoff_delay, classify
from basis.signing.errors import (
    CircuitOpenError,
    OutcomeUnknownError,
    PolicyDeniedError,
    SigningError,
    SpendCapExceededError,
)
from basis.signing.moved import spend_of
from basis.signing.settings import SigningSettings, get_signing_settings

if TYPE_CHECKING:
    from privy import PrivyAPI

CHAINS = ("ethereum", "solana")
SEND_METHODS = frozenset({"eth_sendTransaction", "signAndSendTransaction"})


class Breaker(Protocol):
    def before_call(self) -> None: ...
    def record_success(self) -> None: ...
    def record_failure(self) -> None: ...


class RpcService(Protocol):
    """What the signer needs of privy-client's wallet service (``PrivyWalletsService``)."""

    def rpc(
        self,
        wallet_id: str,
        *,
        wallet_rpc_request_body: Any,
        idempotency_key: str | None = None,
        request_options: Any = None,
    ) -> Any: ...


def jsonable(value: Any) -> Any:
    """Typed data as JSON carries it: bytes (e.g. a bytes32 ``connectionId``) become 0x hex."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


class PrivyWalletSigner:
    def __init__(
        self,
        user_id: str,
        wallet_id: str,
        wallet_address: str | None,
        chain: str,
        *,
        policy: dict[str, Any] | None = None,
        breaker: Breaker | None = None,
        settings: SigningSettings | None = None,
        policy_settings: PolicySettings | None = None,
        client: PrivyAPI | None = None,
        authorization_key: str | None = None,
        wallet_service: RpcService | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if chain not in CHAINS:
            raise ValueError(f"chain must be one of {CHAINS}, got {chain!r}")
        if not wallet_id:
            raise ValueError("wallet_id is required (read it from the user's row)")
        self.user_id = user_id
        self.wallet_id = wallet_id
        self.wallet_address = wallet_address
        self.chain = chain
        self.policy = policy
        self.breaker = breaker or SharedCircuitBreaker()
        self.settings = settings or get_signing_settings()
        # Daily caps and the token addresses spend is counted in.
        self.policy_settings = policy_settings or get_policy_settings()
        self._client = client
        self._wallet_service = wallet_service
        self._authorization_key = authorization_key
        self._sleep = sleep
        self._rng = rng

    # -- the public methods --------------------------------------------------------------------
    def sign_typed_data_v4(self, typed_data: dict[str, Any], *, action: str | None = None) -> str:
        """The 0x hex signature of EIP-712 ``typed_data`` (``primaryType`` or ``primary_type``)."""
        data = jsonable(dict(typed_data))
        if "primaryType" in data:
            data["primary_type"] = data.pop("primaryType")
        result = self._call_rpc("eth_signTypedData_v4", {"typed_data": data}, action=action)
        return str(result.signature)

    def sign_eth_transaction(self, transaction: dict[str, Any], *, action: str | None = None) -> str:
        """The signed transaction (RLP, 0x hex); nothing is broadcast."""
        result = self._call_rpc("eth_signTransaction", {"transaction": transaction}, action=action)
        return str(result.signed_transaction)

    def send_eth_transaction(
        self,
        transaction: dict[str, Any],
        *,
        caip2: str | None = None,
        action: str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Signs and broadcasts through Privy; returns the transaction hash. Pass a stable
        ``idempotency_key`` (e.g. the transfer id) so a retry after ``OutcomeUnknownError`` cannot
        broadcast twice."""
        result = self._call_rpc(
            "eth_sendTransaction",
            {"transaction": transaction},
            action=action,
            caip2=caip2 or self.settings.arbitrum_caip2,
            idempotency_key=idempotency_key,
        )
        return str(result.hash)

    def sign_solana_transaction(self, transaction_b64: str, *, action: str | None = None) -> str:
        """The signed transaction, base64; nothing is broadcast."""
        result = self._call_rpc(
            "signTransaction", {"transaction": transaction_b64, "encoding": "base64"}, action=action
        )
        return str(result.signed_transaction)

    def sign_and_send_solana_transaction(
        self,
        transaction_b64: str,
        *,
        caip2: str | None = None,
        action: str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Signs and broadcasts through Privy; returns the transaction signature (hash)."""
        params = {"transaction": transaction_b64, "encoding": "base64"}
        result = self._call_rpc(
            "signAndSendTransaction",
            params,
            action=action,
            caip2=caip2 or self.settings.solana_caip2,
            idempotency_key=idempotency_key,
        )
        return str(result.hash)

    # -- the one path every request takes ------------------------------------------------------
    def _call_rpc(
        self,
        method: str,
        params: dict[str, Any],
        *,
        action: str | None,
        caip2: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        started = time.perf_counter()

        def done(result: str, error: str | None = None) -> None:
            telemetry.record(
                telemetry.SigningEvent(
                    user_id=self.user_id,
                    wallet_id=self.wallet_id,
                    wallet_address=self.wallet_address,
                    chain=self.chain,
                    method=method,
                    action=action,
                    result=result,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    error=error,
                )
            )

        if self.policy is not None:
            from basis.policies.evaluator import evaluate

            decision = evaluate(self.policy, method, params)
            if not decision.allowed:
                done("policy_denied", f"preflight: {decision.reason}")
                raise PolicyDeniedError(
                    decision.reason, explanation=decision.reason, rule=decision.rule, preflight=True
                )
        try:
            held = self._reserve(
                spend_of(
                    method,
                    params,
                    usdc_address=self.policy_settings.arbitrum_usdc_address,
                    wallet=self.wallet_address if self.chain == "solana" else None,
                    solana_usdc_mint=self.policy_settings.solana_usdc_mint,
                )
            )
        except SpendCapExceededError as exc:
            done("cap_exceeded", str(exc))
            raise
        try:
            data = self._attempts(method, params, caip2, done, idempotency_key or uuid.uuid4().hex)
        except OutcomeUnknownError:
            self._settle(held, commit=True)  # it may have been sent: count it until reconciled
            raise
        except BaseException:
            self._settle(held, commit=False)
            raise
        self._settle(held, commit=True)
        done("success")
        return data

    def _attempts(
        self,
        method: str,
        params: dict[str, Any],
        caip2: str | None,
        done: Callable[..., None],
        idempotency_key: str,
    ) -> Any:
        body: dict[str, Any] = {"method": method, "chain_type": self.chain, "params": params}
        if caip2:
            body["caip2"] = caip2
        failure: Failure | None = None
        # A send that got no definitive answer may have been broadcast (Privy answered nothing, or
        # a 5xx, or timed out): it must not be reported as safe to retry with a new request.
        maybe_sent = False
        for attempt in range(self.settings.retry_attempts):
            if attempt:
                self._sleep(backoff_delay(self.settings, attempt - 1, self._rng))
            try:
                self.breaker.before_call()
            except CircuitOpenError as exc:
                done("circuit_open", str(exc) if failure is None else f"{exc} (after: {failure.message})")
                if maybe_sent and failure is not None:
                    raise OutcomeUnknownError(
                        failure.message, idempotency_key=idempotency_key, status=failure.status
                    ) from exc
                raise
            try:
                response = self._wallets().rpc(
                    self.wallet_id,
                    wallet_rpc_request_body=body,
                    idempotency_key=idempotency_key,
                    request_options=self._request_options(),
                )
            except Exception as exc:  # classified below; anything unknown is permanent
                failure = classify(exc)
                if failure.counts_for_breaker:
                    self.breaker.record_failure()
                else:  # Privy answered definitively: the service itself is healthy
                    self.breaker.record_success()
                if method in SEND_METHODS and failure.kind == "transient":
                    maybe_sent = maybe_sent or failure.status not in NOT_PROCESSED_STATUSES
                if failure.kind == "policy_denied":
                    explanation, rule = self._explain(method, params)
                    done("policy_denied", f"privy: {failure.message}")
                    raise PolicyDeniedError(failure.message, explanation=explanation, rule=rule) from exc
                if failure.kind == "permanent":
                    done("error", failure.message)
                    raise SigningError(failure.message, retriable=False, status=failure.status) from exc
                continue
            self.breaker.record_success()
            return response.data
        assert failure is not None
        message = f"{failure.message} (gave up after {self.settings.retry_attempts} attempts)"
        done("error", message)
        if maybe_sent:
            raise OutcomeUnknownError(message, idempotency_key=idempotency_key, status=failure.status)
        raise SigningError(message, retriable=True, status=failure.status)

    # -- collaborators -------------------------------------------------------------------------
    def _wallets(self) -> RpcService:
        """The SDK's wallet service (it signs each request with the authorization key) over our
        ``PrivyAPI`` client, whose SDK-level retries are off: retrying is this class's job."""
        if self._wallet_service is None:
            from privy.lib.wallets import PrivyWalletsService

            if self._client is None:
                from basis.privy.client import privy_client

                self._client = privy_client()
            self._wallet_service = PrivyWalletsService(self._client)
        return self._wallet_service

    def _request_options(self) -> Any:
        from privy.lib.authorization import AuthorizationContext
        from privy.lib.request_options import PrivyRequestOptions

        key = self._authorization_key
        if key is None:
            from basis.platform.secrets import get_secrets

            key = self._authorization_key = get_secrets().privy_authorization_key or ""
        if not key:
            return None
        context = AuthorizationContext(authorization_private_keys=[key])
        return PrivyRequestOptions(authorization_context=context)

    def _explain(self, method: str, params: dict[str, Any]) -> tuple[str, str | None]:
        """Which rule denied, from the local copy of the policy (Privy does not say)."""
        if self.policy is None:
            return "no local copy of the wallet's policy to say which rule denied", None
        from basis.policies.evaluator import evaluate

        decision = evaluate(self.policy, method, params)
        if decision.allowed:
            return (
                f"the local policy copy allows this ({decision.reason}); the policy at Privy differs from it"
            ), None
        return decision.reason, decision.rule

    def _reserve(self, spend: dict[str, int]) -> list[tuple[str, str, int]]:
        held: list[tuple[str, str, int]] = []
        caps = self.policy_settings.daily_caps() if spend else {}
        try:
            for asset, amount in sorted(spend.items()):
                try:
                    reservation = spend_caps.reserve(
                        self.user_id,
                        asset,
                        amount,
                        caps[asset],
                        lease_seconds=self.settings.cap_lease_seconds,
                    )
                except spend_caps.CapExceededError as exc:
                    raise SpendCapExceededError(asset, used=exc.used, amount=exc.amount, cap=exc.cap) from exc
                held.append((asset, reservation, amount))
        except BaseException:
            self._settle(held, commit=False)
            raise
        return held

    def _settle(self, held: list[tuple[str, str, int]], *, commit: bool) -> None:
        """Commit or release the reservations. Never raises: the signature already happened (or
        did not), and a ledger hiccup must not turn it into an error; a reservation that could not
        be released expires by itself, one that could not be committed is logged loudly."""
        for asset, reservation, amount in held:
            try:
                if commit:
                    spend_caps.commit(self.user_id, asset, reservation, amount)
                else:
                    spend_caps.release(self.user_id, asset, reservation)
            except Exception:
                logger.critical(
                    "spend cap could not be settled",
                    extra={
                        "user_id": self.user_id,
                        "asset": asset,
                        "reservation": reservation,
                        "amount": amount,
                        "commit": commit,
                    },
                )
