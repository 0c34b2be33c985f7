"""Records that a scheduled job ran, so health and operators can see the schedules are alive."""

from __future__ import annotations

from collections.abc import Mapping

from basis.platform import flags
from basis.platform.observability import logger


def record(job: str, **facts: object) -> None:
    """Upsert ``schedule#<job>`` with the time it last ran and what it did (last writer wins)."""
    flags.record_run(f"schedule#{job}", "ran", **facts)


def tally(job: str, slot: str, counts: Mapping[str, int]) -> None:
    """Add what happened in ``slot`` (a scheduled run's ISO time) to ``schedule#<job>``'s tally: the
    current slot's and the previous slot's counts are kept (``tally``, ``previous_tally``)."""
    if not flags.tally(f"schedule#{job}", slot, counts):
        logger.warning("counts of an old slot dropped", extra={"job": job, "slot": slot, "counts": counts})


def counts(job: str, slot: str) -> dict[str, int]:
    """What was counted for ``slot`` of ``job`` (empty before anything was, or once two newer slots
    started)."""
    for kept in flags.tallies(f"schedule#{job}"):
        if kept.get("slot") == slot:
            return {key: int(value) for key, value in kept.items() if key != "slot"}
    return {}
