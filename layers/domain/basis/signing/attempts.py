"""The signer's Privy step: one request's tries at ``wallets.rpc``, behind the shared breaker.

Every try carries the request's one idempotency key (a retried send cannot broadcast twice). Each
failure is classified: a policy denial, a stale nonce (``StaleNonceError``: the caller resends with
a fresh one) or a permanent error ends the request at once, a transient one is retried with backoff
until ``retry_attempts``, and only while a try would end before ``deadline`` (when the request's cap
reservation lapses: a worker that stalled past it does not try again). A send that got no
definitive answer may have been broadcast, so it ends as ``OutcomeUnknownError``, never as safe to
resend.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from basis.platform.observability import logger
from basis.signing.classify import Failure, backoff_delay, classify
from basis.signing.errors import (
    CircuitOpenError,
    OutcomeUnknownError,
    PolicyDeniedError,
    SigningError,
    StaleNonceError,
)
from basis.signing.settings import SigningSettings

SEND_METHODS = frozenset({"eth_sendTransaction", "signAndSendTransaction"})
# Records the request's outcome: done(result, error=None).
Done = Callable[..., None]


class Breaker(Protocol):
    def before_call(self) -> None: ...
    def record_success(self) -> None: ...
    def record_failure(self) -> None: ...


@dataclass(frozen=True)
class Attempts:
    """How the tries go: the breaker they pass, the retry schedule, the waits between them and the
    (monotonic) clock their deadline is on; one try takes at most ``attempt_seconds``."""

    breaker: Breaker
    settings: SigningSettings
    sleep: Callable[[float], None]
    rng: random.Random | None = None
    clock: Callable[[], float] = time.monotonic
    attempt_seconds: float = 10.0

    def run(
        self,
        method: str,
        idempotency_key: str,
        send: Callable[[], Any],
        done: Done,
        explain: Callable[[], tuple[str, str | None]],
        deadline: float,
    ) -> Any:
        """The ``data`` of the first answer ``send()`` (one try at Privy) gets; on failure, calls
        ``done`` and raises a ``SigningError``. No try starts that could end after ``deadline``."""
        failure: Failure | None = None
        # A send that got no definitive answer may have been broadcast (Privy answered nothing, or
        # a 5xx, or timed out): from then on, whatever later tries get (even a definitive refusal,
        # e.g. "nonce too low" because the first try did land), the request ends as
        # ``OutcomeUnknownError``, never as safe to retry with a new request.
        maybe_sent = False
        tries = 0
        for attempt in range(self.settings.retry_attempts):
            if attempt:
                self.sleep(backoff_delay(self.settings, attempt - 1, self.rng))
            if self.clock() + self.attempt_seconds > deadline:
                break
            tries += 1
            try:
                self.breaker.before_call()
            except CircuitOpenError as exc:
                done("circuit_open", str(exc) if failure is None else f"{exc} (after: {failure.message})")
                if maybe_sent and failure is not None:
                    raise OutcomeUnknownError(
                        failure.message, idempotency_key=idempotency_key, status=failure.status
                    ) from exc
                raise
            except Exception as exc:  # the breaker's state cannot be read: no call goes out
                logger.exception("signing breaker unavailable", extra={"idempotency_key": idempotency_key})
                message = f"signing breaker unavailable: {exc}"[:500]
                done("error", message)
                if maybe_sent:
                    raise OutcomeUnknownError(message, idempotency_key=idempotency_key) from exc
                raise SigningError(message, retriable=True) from exc
            try:
                response = send()
            except Exception as exc:  # classified below; anything unknown is permanent
                failure = classify(exc)
                # Known first, before anything else can fail: whether this try may have broadcast.
                maybe_sent = maybe_sent or (method in SEND_METHODS and failure.may_have_acted)
                # A definitive answer from Privy means the service itself is healthy.
                self._tell_breaker(failure.counts_for_breaker)
                if failure.kind != "transient" and maybe_sent:
                    message = f"{failure.message} (after a try that may have broadcast)"
                    done("error", message)
                    raise OutcomeUnknownError(
                        message, idempotency_key=idempotency_key, status=failure.status
                    ) from exc
                if failure.kind == "policy_denied":
                    explanation, rule = explain()
                    done("policy_denied", f"privy: {failure.message}")
                    raise PolicyDeniedError(failure.message, explanation=explanation, rule=rule) from exc
                if failure.kind == "stale_nonce":
                    done("error", failure.message)
                    raise StaleNonceError(failure.message, status=failure.status) from exc
                if failure.kind == "permanent":
                    done("error", failure.message)
                    raise SigningError(failure.message, retriable=False, status=failure.status) from exc
                continue
            self._tell_breaker(failed=False)
            return response.data
        last = failure.message if failure else "no try could end before the request's reservation lapses"
        status = failure.status if failure else None
        message = f"{last} (gave up after {tries} attempts)"
        done("error", message)
        if maybe_sent:
            raise OutcomeUnknownError(message, idempotency_key=idempotency_key, status=status)
        raise SigningError(message, retriable=True, status=status)

    def _tell_breaker(self, failed: bool) -> None:
        """Count a try for the breaker. The breaker's own failure (its DynamoDB write) is logged,
        never raised: what the try did (maybe a broadcast) must reach the caller."""
        try:
            if failed:
                self.breaker.record_failure()
            else:
                self.breaker.record_success()
        except Exception:
            logger.exception("signing breaker could not be updated", extra={"failed": failed})
