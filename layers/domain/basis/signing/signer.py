"""``PrivyWalletSigner``: every signature the platform asks of a user's server wallet (seed 3.1).

Built with the wallet id stored on the user's row (never resolved from an address). Each request
goes through one path, ``_call_rpc``, whose steps live in their own modules:

1. ``preflight``: while the platform's kill switch is engaged, a platform signature is refused
   (``KillSwitchEngagedError``); the wallet's policy (when given) is evaluated locally; a denial
   raises ``PolicyDeniedError(preflight=True)`` without a network call. An allow is only advisory:
   Privy is still asked and stays the authority.
2. ``caps``: what the request moves (USDC / SOL / SPL, ``moved``) is reserved against the user's
   rolling 24 h caps; a refusal raises ``SpendCapExceededError`` without a network call.
3. ``attempts``: the shared circuit breaker must let each try out (``CircuitOpenError``
   otherwise); Privy ``wallets.rpc`` is called with the platform's authorization signature and one
   idempotency key for every try of this request (a retried send cannot broadcast twice).
   Transient failures are retried with backoff; a policy denial never is.
4. reservations are committed on success (with the request's ledger row, in one transaction), left
   unresolved on an unknown outcome (it may be on chain: it counts until the reconciler resolves
   it from the chain), released only on a definitive failure (nothing was sent); one telemetry
   record. What fails after a broadcast (the breaker's or telemetry's writes, the ledger) is
   logged, never raised: the caller always gets the hash or ``OutcomeUnknownError``.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, Unpack

from basis.platform.observability import logger
from basis.policies.settings import PolicySettings, get_policy_settings
from basis.privy.client import TIMEOUT_SECONDS
from basis.signing import caps, preflight, telemetry
from basis.signing.attempts import Attempts, Breaker
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.errors import OutcomeUnknownError, SigningError, SpendCapExceededError
from basis.signing.moved import spend_of
from basis.signing.settings import SigningSettings, get_signing_settings

if TYPE_CHECKING:
    from privy import PrivyAPI

CHAINS = ("ethereum", "solana")


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


class SendOptions(TypedDict, total=False):
    """Options of the send methods (sign and broadcast)."""

    caip2: str | None  # the chain to broadcast on; the settings' Arbitrum / Solana one by default
    action: str | None  # what the product is doing, for telemetry
    # Stable across retries (e.g. the transfer id): a retry after ``OutcomeUnknownError`` with the
    # same key cannot broadcast twice.
    idempotency_key: str | None


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
        user_access_token: str | None = None,
        wallet_service: RpcService | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
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
        # Set: every request is the wallet owner's own, authorized by a user key Privy issues for
        # this access token. The owner's policy at Privy decides, not the platform's; it moves the
        # user's own money, so it is not counted against the platform signer's caps.
        self._user_access_token = user_access_token
        self._attempts = Attempts(self.breaker, self.settings, sleep, rng, clock, TIMEOUT_SECONDS)
        self._clock = clock

    @property
    def request_seconds(self) -> int:
        """The longest one request can take, every try and wait included (and a margin)."""
        return self.settings.reservation_seconds(TIMEOUT_SECONDS)

    # -- the public methods --------------------------------------------------------------------
    def sign_typed_data_v4(
        self, typed_data: dict[str, Any], *, action: str | None = None, idempotency_key: str | None = None
    ) -> str:
        """The 0x hex signature of EIP-712 ``typed_data`` (``primaryType`` or ``primary_type``).
        ``idempotency_key`` (e.g. a withdrawal's transfer id): the same data signed again under it
        is counted against the caps once."""
        data = jsonable(dict(typed_data))
        if "primaryType" in data:
            data["primary_type"] = data.pop("primaryType")
        params = {"typed_data": data}
        result = self._call_rpc(
            "eth_signTypedData_v4", params, action=action, idempotency_key=idempotency_key
        )
        return str(result.signature)

    def sign_eth_transaction(self, transaction: dict[str, Any], *, action: str | None = None) -> str:
        """The signed transaction (RLP, 0x hex); nothing is broadcast."""
        result = self._call_rpc("eth_signTransaction", {"transaction": transaction}, action=action)
        return str(result.signed_transaction)

    def send_eth_transaction(self, transaction: dict[str, Any], **options: Unpack[SendOptions]) -> str:
        """Signs and broadcasts through Privy; returns the transaction hash."""
        return self._send(
            "eth_sendTransaction", {"transaction": transaction}, self.settings.arbitrum_caip2, options
        )

    def sign_solana_transaction(self, transaction_b64: str, *, action: str | None = None) -> str:
        """The signed transaction, base64; nothing is broadcast."""
        result = self._call_rpc(
            "signTransaction", {"transaction": transaction_b64, "encoding": "base64"}, action=action
        )
        return str(result.signed_transaction)

    def sign_and_send_solana_transaction(self, transaction_b64: str, **options: Unpack[SendOptions]) -> str:
        """Signs and broadcasts through Privy; returns the transaction signature (hash)."""
        params = {"transaction": transaction_b64, "encoding": "base64"}
        return self._send("signAndSendTransaction", params, self.settings.solana_caip2, options)

    def _send(self, method: str, params: dict[str, Any], default_caip2: str, options: SendOptions) -> str:
        result = self._call_rpc(
            method,
            params,
            action=options.get("action"),
            caip2=options.get("caip2") or default_caip2,
            idempotency_key=options.get("idempotency_key"),
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

        def event(result: str, error: str | None = None) -> telemetry.SigningEvent:
            return telemetry.SigningEvent(
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

        def done(result: str, error: str | None = None, *, row: telemetry.SigningEvent | None = None) -> None:
            """Record the outcome; ``row``: its event, whose ledger row was already written."""
            try:
                telemetry.record(row or event(result, error), row_written=row is not None)
            except Exception:  # telemetry never turns an outcome (maybe a broadcast) into another
                logger.exception("signing telemetry failed", extra={"user_id": self.user_id})

        halted = None if self._user_access_token else preflight.halted()
        if halted is not None:
            done("kill_switch", halted.message)
            raise halted
        denial = preflight.check(self.policy, method, params)
        if denial is not None:
            done("policy_denied", f"preflight: {denial.reason}")
            raise denial
        spend = (
            {}
            if self._user_access_token
            else spend_of(
                method,
                params,
                usdc_address=self.policy_settings.arbitrum_usdc_address,
                wallet=self.wallet_address if self.chain == "solana" else None,
                solana_usdc_mint=self.policy_settings.solana_usdc_mint,
            )
        )
        # The reservation outlives every try this request can make (see ``Attempts``).
        lease = self.request_seconds
        deadline = self._clock() + lease
        try:
            held = caps.hold(
                self.user_id,
                spend,
                self.policy_settings.daily_caps() if spend else {},
                lease_seconds=lease,
                key=idempotency_key,
            )
        except SpendCapExceededError as exc:
            done("cap_exceeded", str(exc))
            raise
        key = idempotency_key or uuid.uuid4().hex
        body: dict[str, Any] = {"method": method, "chain_type": self.chain, "params": params}
        if caip2:
            body["caip2"] = caip2

        def send() -> Any:
            return self._wallets().rpc(
                self.wallet_id,
                wallet_rpc_request_body=body,
                idempotency_key=key,
                request_options=self._request_options(),
            )

        try:
            data = self._attempts.run(
                method, key, send, done, lambda: preflight.explain(self.policy, method, params), deadline
            )
        except OutcomeUnknownError:
            caps.settle(self.user_id, held, "unknown")  # it may have been sent: counted until reconciled
            raise
        except SigningError:
            caps.settle(self.user_id, held, "not_sent")  # a definitive failure: nothing was sent
            raise
        except BaseException:
            # Not an outcome ``Attempts`` decided: the hold is left to lapse into "unresolved", where
            # it keeps counting until someone settles it.
            logger.exception("signing request ended unexpectedly", extra={"user_id": self.user_id})
            raise
        # The commits and the request's ledger row: one transaction.
        success = event("success")
        done("success", row=success if caps.settle(self.user_id, held, "sent", row=success) else None)
        return data

    # -- collaborators -------------------------------------------------------------------------
    def _wallets(self) -> RpcService:
        """The SDK's wallet service over our ``PrivyAPI`` client (SDK-level retries off: retrying is
        this class's job); it signs each request as ``_request_options`` says, user keys included."""
        if self._wallet_service is None:
            from basis.privy.authorization import wallet_service

            self._wallet_service = wallet_service(self._client)
        return self._wallet_service

    def _request_options(self) -> Any:
        """The user's own authority (``user_access_token``), else the platform's key quorum."""
        from basis.privy.authorization import as_platform, as_user

        if self._user_access_token:
            return as_user(self._user_access_token)
        key = self._authorization_key
        if key is None:
            from basis.platform.secrets import get_secrets

            key = self._authorization_key = get_secrets().privy_authorization_key or ""
        return as_platform(key) if key else None
