"""A circuit breaker shared by every Lambda container, its state in DynamoDB (seed 3.1a, N2).

Trips after ``threshold`` consecutive failures across all wallets and rejects all signing for
``cooldown`` seconds; then lets exactly one probe through (half-open), closing on its success and
re-opening on its failure. Every transition is a conditional update, so concurrent containers
neither lose a failure count nor let two probes through; the container whose update trips the
breaker logs it at CRITICAL.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pynamodb.exceptions import DoesNotExist, UpdateError

from basis.models import ControlFlag
from basis.platform.observability import METRICS_NAMESPACE, logger
from basis.signing.errors import CircuitOpenError

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
TRIP_METRIC = "SigningBreakerOpened"


class SharedCircuitBreaker:
    def __init__(
        self,
        name: str = "signing-breaker",
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

    def state(self) -> ControlFlag:
        try:
            return ControlFlag.get(self.name, consistent_read=True)
        except DoesNotExist:
            return ControlFlag(self.name, state=CLOSED, counter=0)

    def before_call(self) -> None:
        """Raise ``CircuitOpenError`` unless a call may go out now."""
        flag, now = self.state(), self.clock()
        if flag.state == CLOSED:
            return
        until = float(flag.until or 0)
        if now < until:
            raise CircuitOpenError(until - now)
        try:  # cooldown over (or a probe's time ran out): become the one probe
            ControlFlag(self.name).update(
                actions=[ControlFlag.state.set(HALF_OPEN), ControlFlag.until.set(now + self.probe_seconds)],
                condition=(ControlFlag.state == flag.state) & (ControlFlag.until == flag.until),
            )
        except UpdateError as exc:
            raise CircuitOpenError(self.probe_seconds) from exc
        logger.warning("signing circuit half-open: probing", extra={"breaker": self.name})

    def record_success(self) -> None:
        flag = self.state()
        if flag.state != CLOSED or flag.counter:
            ControlFlag(self.name).update(
                actions=[
                    ControlFlag.state.set(CLOSED),
                    ControlFlag.counter.set(0),
                    ControlFlag.until.remove(),
                ]
            )
            if flag.state != CLOSED:
                logger.warning("signing circuit closed", extra={"breaker": self.name})

    def record_failure(self) -> None:
        counted = ControlFlag(self.name)
        counted.update(
            actions=[ControlFlag.counter.add(1), ControlFlag.state.set(ControlFlag.state | CLOSED)]
        )
        now = self.clock()
        if counted.state == HALF_OPEN:
            self._open(
                from_state=HALF_OPEN, now=now, failures=int(counted.counter), event="probe failed: re-opened"
            )
        elif counted.state == CLOSED and counted.counter >= self.threshold:
            self._open(from_state=CLOSED, now=now, failures=int(counted.counter), event="tripped")

    def _open(self, *, from_state: str, now: float, failures: int, event: str) -> None:
        try:
            ControlFlag(self.name).update(
                actions=[ControlFlag.state.set(OPEN), ControlFlag.until.set(now + self.cooldown)],
                condition=ControlFlag.state == from_state,
            )
        except UpdateError:
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
