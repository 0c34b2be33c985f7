"""Records that a scheduled job ran, so health and operators can see the schedules are alive."""

from __future__ import annotations

from basis.models import ControlFlag
from basis.models.base import utcnow


def record(job: str, **facts: object) -> None:
    """Upsert ``schedule#<job>`` with the time it last ran and what it did (last writer wins)."""
    flag = ControlFlag(f"schedule#{job}")
    flag.update(
        actions=[
            ControlFlag.state.set("ran"),
            ControlFlag.counter.add(1),
            ControlFlag.details.set({"last_run_at": utcnow().isoformat(), **facts}),
        ]
    )
