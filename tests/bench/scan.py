"""One scan cycle for many enabled users on the local stack: the dispatcher's fan-out (the market read
once, one message per user from the sparse index), then the worker's cost per user on a sample of
those messages: time, and DynamoDB requests by kind. The sample's users are idle (enabled, nothing to
enter: the simulator's fresh market has no funding history to judge), the common case of a cycle."""

from __future__ import annotations

import logging
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


def run(users: int = 10_000, sample: int = 500) -> dict[str, object]:
    from infra.catalog import SCHEDULES
    from local.aws.scheduler import scheduled_event
    from local.aws.sqs_poller import sqs_event

    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    scan = next(s for s in SCHEDULES if s.name == "scan")
    stack = LocalStack(ephemeral_ports(), schedules=False)
    with stack:
        stack.poller.stop()  # the bench hands the worker its messages itself
        queue = stack.resources.queues["scan"]
        sqs = stack.client("sqs")
        run_id = uuid.uuid4().hex[:6]
        enable([f"did:privy:bench-{run_id}-{i}" for i in range(users)])

        with dynamodb_requests() as dispatch_requests:
            started = time.perf_counter()
            fired = stack.lambdas.invoke("scan_dispatcher", scheduled_event(scan, "bench", datetime.now(UTC)))
            dispatch_s = time.perf_counter() - started
        assert fired.error is None, fired.error

        handled, worker_s = 0, 0.0
        with dynamodb_requests() as worker_requests:
            while handled < sample:
                got = sqs.receive_message(QueueUrl=queue["url"], MaxNumberOfMessages=10).get("Messages", [])
                if not got:
                    break
                started = time.perf_counter()
                answer = stack.lambdas.invoke("scan_worker", sqs_event(got, queue["arn"]))
                worker_s += time.perf_counter() - started
                assert answer.error is None, answer.error
                handled += len(got)
        sqs.purge_queue(QueueUrl=queue["url"])
        per_user = {op: round(n / handled, 2) for op, n in sorted(worker_requests.items())}
        return {
            "users": users,
            "dispatcher": {
                "seconds": round(dispatch_s, 2),
                "queued": fired.payload["queued"],
                "dynamodb_requests": dict(dispatch_requests),
            },
            "worker_per_idle_user": {
                "sampled": handled,
                "ms": round(worker_s / handled * 1000, 2),
                "dynamodb_reads": round(
                    sum(n for op, n in worker_requests.items() if op in READS) / handled, 2
                ),
                "dynamodb_requests": per_user,
            },
        }
