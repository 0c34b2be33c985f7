"""One scan cycle for many enabled users on the local stack (10,000 by default; ``BENCH_SCAN_USERS``
sets another number): the dispatcher's fan-out (the market read once, one message per user from
the sparse index, one SendMessageBatch per 10 users), then every message consumed the way the
local event source does it (receive 10, invoke the real ``scan_worker``, delete what succeeded)
until the queue is empty: time and DynamoDB requests by kind, for the dispatcher and per user.
The users are idle (enabled, nothing to enter: the simulator's fresh market has no funding history
to judge), the common case of a cycle.

moto's SQS used to make the fan-out quadratic in the queue's depth (10,000 users: 972 s);
``local.aws.moto_sqs`` removed that (its docstring says why), so the queue fills as the
dispatcher sends, as on SQS. One local consumer runs the workers one batch at a time: the
workers' seconds are the cycle's total work, which Lambda spreads over concurrent consumers.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from local.runtime.ports import ephemeral_ports
from local.runtime.stack import LocalStack
from tests.bench import budgets
from tests.bench.budgets import budgeted

READS = {"GetItem", "Query", "Scan", "BatchGetItem"}


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    """Counts the DynamoDB requests PynamoDB sends meanwhile, by operation."""
    from pynamodb.connection.base import Connection

    counted: Counter[str] = Counter()
    real = Connection.dispatch

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        counted[operation_name] += 1
        return real(self, operation_name, operation_kwargs)

    Connection.dispatch = counting  # type: ignore[method-assign]
    try:
        yield counted
    finally:
        Connection.dispatch = real  # type: ignore[method-assign]


@contextmanager
def invocation_ms(lambdas: Any) -> Iterator[list[float]]:
    """The handlers' own time meanwhile (``Invocation.duration_ms`` summed), apart from the event
    source's receive and delete around them."""
    spent = [0.0]
    real = lambdas.invoke

    def timed(name: str, event: Any) -> Any:
        result = real(name, event)
        spent[0] += result.duration_ms
        return result

    lambdas.invoke = timed
    try:
        yield spent
    finally:
        lambdas.invoke = real


@contextmanager
def slot_max_age(seconds: int) -> Iterator[None]:
    """One local consumer works through the whole backlog one batch at a time, longer than the
    default 120 s after which a worker drops a slot's message as stale (as it should a backlog);
    Lambda's concurrent consumers finish within it. Raised (``BASIS_SCAN_SLOT_MAX_AGE_SECONDS``, a
    setting) so that every user is evaluated and the per-user cost is the evaluation's."""
    name = "BASIS_SCAN_SLOT_MAX_AGE_SECONDS"
    previous = os.environ.get(name)
    os.environ[name] = str(seconds)
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous


def enable(users: list[str]) -> None:
    """``users`` with the default strategy, enabled, written in batches (the bench's set-up, not timed)."""
    from basis.models import StrategyConfig
    from basis.strategy.config import StrategyParameters
    from basis.strategy.store import ACTIVE

    parameters = StrategyParameters(enabled=True)
    with StrategyConfig.batch_write() as batch:
        for user_id in users:
            item = StrategyConfig(user_id, active_flag=ACTIVE)
            for f in fields(parameters):
                value = getattr(parameters, f.name)
                setattr(item, f.name, list(value) if isinstance(value, tuple) else value)
            batch.save(item)


def run(users: int = int(os.environ.get("BENCH_SCAN_USERS", 10_000))) -> dict[str, object]:
    from basis.platform import heartbeat
    from basis.scheduling import slots
    from infra.catalog import SCHEDULES
    from local.aws.scheduler import scheduled_event

    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    scan = next(s for s in SCHEDULES if s.name == "scan")
    stack = LocalStack(ephemeral_ports(), schedules=False)
    with slot_max_age(3600), stack:
        stack.poller.stop()  # the bench runs the event source's rounds itself, to time them
        sqs, queue = stack.client("sqs"), stack.resources.queues["scan"]
        run_id = uuid.uuid4().hex[:6]
        started = time.perf_counter()
        enable([f"did:privy:bench-{run_id}-{i}" for i in range(users)])
        setup_s = time.perf_counter() - started

        fired_at = datetime.now(UTC)
        with dynamodb_requests() as dispatch_requests:
            started = time.perf_counter()
            fired = stack.lambdas.invoke("scan_dispatcher", scheduled_event(scan, "bench", fired_at))
            dispatch_s = time.perf_counter() - started
        assert fired.error is None, fired.error
        assert fired.payload["queued"] == users, fired.payload

        handled = 0
        with dynamodb_requests() as worker_requests, invocation_ms(stack.lambdas) as invoked:
            started = time.perf_counter()
            while polled := stack.poller.poll_once("scan_worker", "scan"):
                handled += polled
            worker_s = time.perf_counter() - started
        left = sqs.get_queue_attributes(QueueUrl=queue["url"], AttributeNames=["All"])["Attributes"]
        # Every message was deleted, none failed back into the queue (poll_once deletes successes only).
        assert handled == users and left["ApproximateNumberOfMessagesNotVisible"] == "0", (handled, left)

        outcomes = heartbeat.counts("scan", slots.slot_of(fired_at))
        assert outcomes.get(slots.skipped(slots.STALE_SLOT), 0) == 0, outcomes  # every user evaluated

        worker_ms = invoked[0] / handled
        event_source_ms = worker_s * 1000 / handled - worker_ms
        reads = sum(n for op, n in worker_requests.items() if op in READS) / handled
        return {
            "users": users,
            "setup_s": round(setup_s, 1),
            "dispatcher": {
                "seconds": budgeted(round(dispatch_s, 2), budgets.SCAN_DISPATCH_S, "s"),
                "queued": fired.payload["queued"],
                "dynamodb_requests": dict(dispatch_requests),
            },
            "workers": {
                "handled": handled,
                "outcomes": {k: v for k, v in outcomes.items() if k != "slot"},
                "seconds": round(worker_s, 1),
                # The worker handler's own time, then the local SQS receive and delete around it.
                "ms_per_user": budgeted(round(worker_ms, 2), budgets.SCAN_WORKER_MS_PER_USER, "ms"),
                "event_source_ms_per_user": round(event_source_ms, 2),
                "dynamodb_reads_per_user": round(reads, 2),
                "dynamodb_requests_per_user": {
                    op: round(n / handled, 2) for op, n in sorted(worker_requests.items())
                },
            },
            "cycle_s": budgeted(round(dispatch_s + worker_s, 1), budgets.SCAN_CYCLE_S, "s"),
        }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
