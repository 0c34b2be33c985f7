"""Records that a scheduled job ran, so health and operators can see the schedules are alive."""

from __future__ import annotations

from basis.platform import flags


def record(job: str, **facts: object) -> None:
    """Upsert ``schedule#<job>`` with the time it last ran and what it did (last writer wins)."""
    flags.record_run(f"schedule#{job}", "ran", **facts)
