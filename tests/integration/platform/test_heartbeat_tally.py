"""A schedule's counts per slot on its heartbeat: writers of one slot add up (concurrently too), the
first writer of a newer slot keeps the one before as the previous tally, late counts of the previous
slot still land, older ones are dropped."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from basis.platform import flags, heartbeat
from local.runtime.stack import LocalStack


def test_counts_add_up_per_slot_and_the_previous_slot_is_kept(stack: LocalStack) -> None:
    job = f"tally-{uuid.uuid4().hex[:8]}"
    first, second, third = "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z", "2026-01-01T00:03:00Z"

    batch = {"entered": 1, "skipped:cooldown": 2}
    with ThreadPoolExecutor(8) as pool:  # one container per batch: no lost update
        list(pool.map(lambda _: heartbeat.tally(job, first, batch), range(16)))
    heartbeat.tally(job, first, {"queued": 48})
    assert heartbeat.counts(job, first) == {"entered": 16, "skipped:cooldown": 32, "queued": 48}

    heartbeat.tally(job, second, {"queued": 3})
    heartbeat.tally(job, first, {"failed:error": 1})  # a late batch of the previous slot still counts
    assert heartbeat.counts(job, second) == {"queued": 3}
    assert heartbeat.counts(job, first)["failed:error"] == 1

    heartbeat.tally(job, third, {"queued": 1})
    assert not flags.tally(f"schedule#{job}", first, {"entered": 1})  # two slots back: dropped
    assert heartbeat.counts(job, first) == {}
    assert heartbeat.counts(job, second) == {"queued": 3} and heartbeat.counts(job, third) == {"queued": 1}
