"""Schedules declared in infra/catalog.py fire the real scheduled handler, which fans out to SQS, and
the queue's consumer (the SQS poller standing in for the event source) gets every message."""

import time
import uuid
from dataclasses import replace

from basis.models import ControlFlag
from basis.strategy import store
from basis.strategy.config import StrategyParameters
from infra.catalog import SCHEDULES
from local.aws.scheduler import LocalScheduler
from local.runtime.stack import LocalStack
from tests.helpers import function_log, scan_tally, wait_for

SCAN = next(s for s in SCHEDULES if s.name == "scan")


def _scanned(stack: LocalStack, run: str) -> set[str]:
    """Users of this run the scan worker evaluated (its function log)."""
    return {
        line["user_id"]
        for line in function_log(stack, "scan_worker")
        if line.get("message") == "scan outcome" and run in line["user_id"]
    }


def test_scan_fan_out_queues_one_message_per_enabled_unpaused_user(stack: LocalStack) -> None:
    run = uuid.uuid4().hex[:6]
    enabled = [f"did:privy:on-{run}-{i}" for i in range(12)]  # more than one SQS batch of 10
    on = replace(StrategyParameters(), enabled=True)
    for user in enabled:
        store.save(user, on, expected_version=0)
    store.save(f"did:privy:off-{run}", StrategyParameters(), expected_version=0)
    store.save(f"did:privy:paused-{run}", on, expected_version=0)
    store.pause(f"did:privy:paused-{run}", "user_requested")

    firing = stack.scheduler.fire(SCAN)

    assert firing.ok, firing.detail
    heartbeat = ControlFlag.get("schedule#scan").details.as_dict()
    assert heartbeat["failed"] == 0
    wait_for(lambda: scan_tally(heartbeat["slot"]))  # every message of the slot evaluated
    assert _scanned(stack, run) == set(enabled)


def scans(scheduler: LocalScheduler) -> int:
    """The scan's firings (the other every-minute schedules fire as often)."""
    return sum(f.schedule == SCAN.name for f in scheduler.firings)


def test_scheduler_fires_at_the_declared_rate_with_speed_up(stack: LocalStack) -> None:
    scheduler = LocalScheduler(stack.lambdas, speed=SCAN.rate_minutes * 60 / 0.2)  # every 0.2 s
    before = int(ControlFlag.get("schedule#scan").counter) if ControlFlag.count("schedule#scan") else 0
    scheduler.start()
    try:
        deadline = time.monotonic() + 30  # a busy machine: each firing reads the market first
        while scans(scheduler) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert scans(scheduler) >= 3
    assert all(f.ok for f in scheduler.firings)
    assert int(ControlFlag.get("schedule#scan").counter) >= before + 3
