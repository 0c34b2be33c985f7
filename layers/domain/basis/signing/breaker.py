"""A circuit breaker shared by every Lambda container, its state in DynamoDB (seed 3.1a, N2).

Trips after ``threshold`` consecutive failures across all wallets and rejects all signing for
``cooldown`` seconds (every try asks first, retries of requests already in flight included, and no
answer to a request sent before the trip closes it); then lets exactly one probe through
(half-open), closing on its success and re-opening on its failure. Every transition is a
conditional update, so concurrent containers neither lose a failure count nor let two probes
through; the container whose update trips the breaker logs it at CRITICAL.

The state is read as this container read it at most ``flags.RECENT_SECONDS`` (1 s) ago (with the
kill switch: one call for both, see ``basis.signing.preflight``), so after another container trips
it, tries may still start here for up to 1 s; this container's own transitions are seen at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from basis.platform import flags
from basis.platform.observability import METRICS_NAMESPACE, logger
from basis.signing.errors import CircuitOpenError

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
NAME = "signing-breaker"  # the platform's one breaker
TRIP_METRIC = "SigningBreakerOpened"


class SharedCircuitBreaker:
    def __init__(
        self,
        name: str = NAME,
        *,
        threshold: int = 5,
        cooldown: float = 60.0,
        probe_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.threshold = threshold
        self.cooldown = cooldown
        self.probe_seconds = probe_seconds
        self.clock = clock

    def state(self) -> flags.Flag:
        return flags.recent(self.name, default_state=CLOSED)

    def before_call(self) -> None:
        """Raise ``CircuitOpenError`` unless a call may go out now."""
        flag, now = self.state(), self.clock()
        if flag.state == CLOSED:
            return
        until = flag.until or 0.0
        if now < until:
            raise CircuitOpenError(until - now)
        # Cooldown over (or a probe's time ran out): become the one probe.
        if not flags.move(
            self.name,
            to_state=HALF_OPEN,
            until=now + self.probe_seconds,
            if_state=flag.state,
            if_until=flag.until,
        ):
            raise CircuitOpenError(self.probe_seconds)
        logger.warning("signing circuit half-open: probing", extra={"breaker": self.name})

    def record_success(self) -> None:
        """A try got an answer. Closed: the failure streak ends. Half-open: the probe succeeded, the
        breaker closes. Open: the answer is to a request sent before the breaker opened, and the
        cooldown stands (in-flight retries must not reopen the door). Each reset is conditional on
        the state read, so a success racing the trip cannot undo it."""
        flag = self.state()
        if flag.state == HALF_OPEN:
            if flags.reset(self.name, state=CLOSED, if_state=HALF_OPEN):
                logger.warning("signing circuit closed", extra={"breaker": self.name})
        elif flag.state == CLOSED and flag.counter:
            flags.reset(self.name, state=CLOSED, if_state=CLOSED)

    def record_failure(self) -> None:
        counted = flags.count(self.name, default_state=CLOSED)
        now = self.clock()
        if counted.state == HALF_OPEN:
            self._open(
                from_state=HALF_OPEN, now=now, failures=counted.counter, event="probe failed: re-opened"
            )
        elif counted.state == CLOSED and counted.counter >= self.threshold:
            self._open(from_state=CLOSED, now=now, failures=counted.counter, event="tripped")

    def _open(self, *, from_state: str, now: float, failures: int, event: str) -> None:
        if not flags.move(self.name, to_state=OPEN, until=now + self.cooldown, if_state=from_state):
            return  # another container made this transition (and logged it)
        with single_metric(
            name=TRIP_METRIC,
            unit=MetricUnit.Count,
            value=1,
            namespace=METRICS_NAMESPACE,
            default_dimensions={"breaker": self.name},
        ):
            pass
        logger.critical(
            f"signing circuit {event}: all signing paused",
            extra={"breaker": self.name, "consecutive_failures": failures, "paused_seconds": self.cooldown},
        )
