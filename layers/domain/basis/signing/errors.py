"""How a signing request can fail, classified for the caller (seed 3.1, 3.1a).

Each is a ``BasisError``; the refusals also belong to their refusal family (policy, cap), an open
breaker is transient, so the API maps them with every other domain error.
"""

from __future__ import annotations

from basis.platform.errors import (
    BasisError,
    CapRefusedError,
    ConflictError,
    PolicyRefusedError,
    TransientError,
)


class SigningError(BasisError):
    """A signature could not be obtained. ``retriable`` says whether trying later may succeed."""

    code = "signing_failed"

    def __init__(
        self, message: str, *, retriable: bool, status: int | None = None, **details: object
    ) -> None:
        super().__init__(message, **details)
        self.retriable = retriable
        self.status = status


class PolicyDeniedError(SigningError, PolicyRefusedError):
    """The wallet's policy forbids the request (never retried). ``reason`` is what Privy (or the
    local preflight) said; ``explanation`` names the rule that decided, from the local evaluator."""

    code = "policy_denied"

    def __init__(
        self, reason: str, *, explanation: str, rule: str | None = None, preflight: bool = False
    ) -> None:
        super().__init__(
            f"policy denied: {reason}", retriable=False, status=403, rule=rule, explanation=explanation
        )
        self.reason = reason
        self.explanation = explanation
        self.rule = rule
        self.preflight = preflight


class CircuitOpenError(SigningError, TransientError):
    """Signing is paused for every wallet after repeated failures; retry after ``retry_after`` s."""

    code = "signing_paused"

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"signing circuit open for another {retry_after:.1f}s",
            retriable=True,
            retry_after_seconds=round(retry_after, 1),
        )
        self.retry_after = retry_after


class KillSwitchEngagedError(SigningError, ConflictError):
    """The platform's kill switch is engaged: the platform signs nothing until an admin lifts it
    (nothing was sent to Privy). A user's own signature is not refused."""

    code = "kill_switch_engaged"

    def __init__(self, reason: str | None) -> None:
        super().__init__(
            f"the platform's kill switch is engaged ({reason or 'no reason given'}): no platform "
            "signature until an admin lifts it",
            retriable=False,
            reason=reason,
        )


class SpendCapExceededError(SigningError, CapRefusedError):
    """The user's rolling 24 h cap for ``asset`` would be passed; nothing was sent to Privy.
    Amounts are base units. Not retriable now: the cap frees up as older spends leave the window."""

    code = "cap_exceeded"

    def __init__(self, asset: str, *, used: int, amount: int, cap: int) -> None:
        super().__init__(
            f"{asset} daily cap: {used} used + {amount} requested > {cap} (base units)",
            retriable=False,
            asset=asset,
            used=str(used),
            requested=str(amount),
            cap=str(cap),
        )
        self.asset, self.used, self.amount, self.cap = asset, used, amount, cap


class StaleNonceError(SigningError):
    """The chain refused the transaction's nonce (already used, or taken by a pending transaction)
    and nothing was broadcast: build it again with a fresh nonce and send it."""

    code = "stale_nonce"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, retriable=True, status=status)


class OutcomeUnknownError(SigningError):
    """A send (sign-and-broadcast) got no definitive answer: it may have been broadcast. Never
    retried blindly (that could send twice); the spend counts against the caps until reconciled.
    Retrying with the same ``idempotency_key`` is safe: Privy answers it once."""

    code = "outcome_unknown"

    def __init__(self, message: str, *, idempotency_key: str, status: int | None = None) -> None:
        super().__init__(
            f"outcome unknown, reconcile before sending again: {message}", retriable=False, status=status
        )
        self.idempotency_key = idempotency_key
