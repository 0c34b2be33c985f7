"""One scan cycle for many enabled users on the local stack: the dispatcher's fan-out (the market read
once, one message per user from the sparse index), then the worker's cost per user on a sample of
those users: time, and DynamoDB requests by kind. The sample's users are idle (enabled, nothing to
enter: the simulator's fresh market has no funding history to judge), the common case of a cycle.

The local SQS (moto) slows down with the depth of a queue: every send computes the queue's
attributes over every message waiting (200 messages take 1 s into an empty queue, 19 s into one
holding 1,000), which SQS does not. While the dispatcher fans out, two consumers keep the queue as
short as they can; even so the fan-out's time here is moto's, growing faster than the users (2,000
users: about 30 s; 10,000: about 16 minutes on 2 busy cores), while the dispatcher's own work is
one index query per page of 1 MB of keys, one market read and one SendMessageBatch per 10 users.
So the default is 2,000 users (``BENCH_SCAN_USERS`` sets another number); the DynamoDB requests
are counted either way.
"""

from __future__ import annotations

import json
import logging
import os
import threading
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


@contextmanager
def drained(sqs: Any, queue_url: str, threads: int = 2) -> Iterator[None]:
    """The queue emptied meanwhile by ``threads`` consumers (moto's sends slow down with its depth)."""
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if got:
                entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
                sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
            else:
                stop.wait(0.05)

    workers = [threading.Thread(target=drain, name=f"bench-drain-{i}", daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def messages(user_ids: list[str], at: datetime) -> list[dict[str, Any]]:
    """The scan messages of ``user_ids`` for the slot ``at``, as the dispatcher writes them."""
    from basis.scheduling import scan_dispatch

    market = scan_dispatch.market_now(at).to_message()
    return [
        {
            "MessageId": f"bench-{i}",
            "ReceiptHandle": f"r-{i}",
            "Body": json.dumps({"user_id": u, "slot": scan_dispatch.slot_of(at), "market": market}),
        }
        for i, u in enumerate(user_ids)
    ]


def run(users: int = int(os.environ.get("BENCH_SCAN_USERS", 2_000)), sample: int = 500) -> dict[str, object]:
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
        user_ids = [f"did:privy:bench-{run_id}-{i}" for i in range(users)]
        enable(user_ids)

        with drained(sqs, queue["url"]), dynamodb_requests() as dispatch_requests:
            started = time.perf_counter()
            fired = stack.lambdas.invoke("scan_dispatcher", scheduled_event(scan, "bench", datetime.now(UTC)))
            dispatch_s = time.perf_counter() - started
        assert fired.error is None, fired.error

        handled, worker_s = 0, 0.0
        sampled = messages(user_ids[:sample], datetime.now(UTC).replace(microsecond=0))
        with dynamodb_requests() as worker_requests:
            for first in range(0, len(sampled), 10):
                batch = sampled[first : first + 10]
                started = time.perf_counter()
                answer = stack.lambdas.invoke("scan_worker", sqs_event(batch, queue["arn"]))
                worker_s += time.perf_counter() - started
                assert answer.error is None and answer.payload["batchItemFailures"] == [], answer
                handled += len(batch)
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
