"""Fires the scheduled handlers at the rates declared in infra/catalog.py (the same declaration
CDK turns into EventBridge schedules), divided by a speed-up factor for demos."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from infra.catalog import SCHEDULES, Schedule
from local.aws.lambdas import LocalLambdas
from local.runtime.loops import BackgroundLoops

log = logging.getLogger(__name__)


def scheduled_event(schedule: Schedule, rule_arn: str, at: datetime | None = None) -> dict[str, Any]:
    """The event EventBridge sends a target of a scheduled rule."""
    fired = (at or datetime.now(UTC)).replace(microsecond=0)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": fired.isoformat().replace("+00:00", "Z"),
        "region": "us-east-1",
        "resources": [rule_arn],
        "detail": {},
    }


@dataclass
class Firing:
    schedule: str
    at: datetime
    ok: bool
    detail: str


class LocalScheduler(BackgroundLoops):
    def __init__(self, lambdas: LocalLambdas, speed: float = 1.0) -> None:
        super().__init__()
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.lambdas = lambdas
        self.speed = speed
        self.schedules: tuple[Schedule, ...] = SCHEDULES
        self.firings: list[Firing] = []

    def interval(self, schedule: Schedule) -> float:
        return schedule.rate_minutes * 60 / self.speed

    def fire(self, schedule: Schedule) -> Firing:
        rule_arn = f"arn:aws:events:us-east-1:123456789012:rule/basis-local-{schedule.name}"
        result = self.lambdas.invoke(schedule.target, scheduled_event(schedule, rule_arn))
        ok = result.error is None
        detail = str(result.payload if ok else result.error)
        firing = Firing(schedule.name, datetime.now(UTC), ok, detail[:300])
        self.firings.append(firing)
        (log.info if ok else log.error)("schedule %s fired: %s", schedule.name, firing.detail)
        return firing

    def _loop(self, schedule: Schedule) -> None:
        while not self._stop.wait(self.interval(schedule)):
            self.fire(schedule)

    def start(self) -> None:
        for schedule in self.schedules:
            self.spawn(self._loop, schedule, name=f"schedule-{schedule.name}")
