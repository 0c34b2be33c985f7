"""Which Privy failures are policy denials, which are worth retrying, and the backoff between tries.

* a 4xx whose error code is ``policy_violation`` (or whose message says so) -> policy denial,
  never retried;
* a 4xx saying the chain refused the transaction's nonce ("nonce too low", a pending transaction
  holds it) -> stale nonce: nothing was broadcast, the caller resends with a fresh nonce;
* timeouts, connection errors, 408, 429 and 5xx -> transient, retried with backoff;
* any other 4xx (or an unexpected answer) -> permanent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal

from basis.signing.settings import SigningSettings

Kind = Literal["policy_denied", "stale_nonce", "transient", "permanent"]
# 409: the same idempotency key is still in flight at Privy; asking again gets its answer.
RETRIABLE_STATUSES = frozenset({408, 409, 429})
# Statuses after which Privy certainly did not act on the request (nothing was broadcast).
NOT_PROCESSED_STATUSES = frozenset({409, 429})
# What nodes answer when a transaction's nonce is used (geth, anvil, Arbitrum's sequencer).
STALE_NONCE_MESSAGES = ("nonce too low", "replacement transaction underpriced", "nonce has already been used")
# Credential or platform-wide problems: they fail every wallet alike, so they count for the breaker.
PLATFORM_STATUSES = frozenset({401, 403})


@dataclass(frozen=True)
class Failure:
    kind: Kind
    status: int | None
    message: str

    @property
    def may_have_acted(self) -> bool:
        """Privy may have carried the request out: it gave no definitive answer (a timeout, a lost
        connection, 408, a 5xx), or the failure is not an answer of Privy's at all (an unexpected
        error, maybe after Privy answered)."""
        if self.kind == "transient":
            return self.status not in NOT_PROCESSED_STATUSES
        return self.kind == "permanent" and self.status is None

    @property
    def counts_for_breaker(self) -> bool:
        return self.kind == "transient" or (self.kind == "permanent" and self.status in PLATFORM_STATUSES)


def _error_text(body: Any) -> tuple[str | None, str]:
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):  # {"error": {"code": ..., "message": ...}}
            return inner.get("code"), str(inner.get("message") or inner)
        code = body.get("code")
        return (str(code) if code else None), str(inner or body.get("message") or body)
    return None, "" if body is None else str(body)


def is_policy_denial(status: int | None, body: Any) -> bool:
    if status is None or not 400 <= status < 500:
        return False
    code, text = _error_text(body)
    lowered = text.lower()
    return code == "policy_violation" or "policy_violation" in lowered or "policy violation" in lowered


def is_stale_nonce(text: str) -> bool:
    """Whether a node's refusal says the transaction's nonce is used (nothing was broadcast)."""
    lowered = text.lower()
    return any(m in lowered for m in STALE_NONCE_MESSAGES)


def classify(exc: BaseException) -> Failure:
    import privy

    if isinstance(exc, privy.APITimeoutError):
        return Failure("transient", None, "Privy did not answer in time")
    if isinstance(exc, privy.APIConnectionError):
        return Failure("transient", None, f"Privy unreachable: {exc}")
    if isinstance(exc, privy.APIStatusError):
        status, body = exc.status_code, exc.body
        _, text = _error_text(body)
        message = f"Privy answered {status}: {text}"[:500]
        if is_policy_denial(status, body):
            return Failure("policy_denied", status, text or message)
        if 400 <= status < 500 and is_stale_nonce(text):
            return Failure("stale_nonce", status, message)
        if status >= 500 or status in RETRIABLE_STATUSES:
            return Failure("transient", status, message)
        return Failure("permanent", status, message)
    return Failure("permanent", None, f"unexpected {type(exc).__name__}: {exc}"[:500])


def backoff_delay(settings: SigningSettings, retry: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry ``retry`` (0-based): exponential, capped, plus up to
    ``retry_jitter`` of itself at random so containers that failed together do not retry together."""
    delay = settings.backoff(retry)
    if settings.retry_jitter and delay:
        delay += (rng or random).uniform(0, settings.retry_jitter * delay)  # jitter only, not security
    return delay
