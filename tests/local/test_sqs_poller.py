"""The local SQS event source hands each consumer batches of the catalog's batch size, and a queue
it cannot poll is retried ever more slowly, its traceback logged once per streak of failures."""

from __future__ import annotations

import logging
import time
from typing import Any, cast

import pytest

from infra.catalog import FUNCTIONS, function
from local.aws import sqs_poller
from local.aws.lambdas import Invocation, LocalLambdas
from local.aws.sqs_poller import SqsPoller


class FakeQueue:
    """Holds messages; ``receive_message`` honours MaxNumberOfMessages as SQS does."""

    def __init__(self, count: int) -> None:
        self.messages = [
            {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": f'{{"n": {i}}}'} for i in range(count)
        ]
        self.requested: list[int] = []
        self.deleted: list[str] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        self.requested.append(kwargs["MaxNumberOfMessages"])
        return {"Messages": self.messages[: kwargs["MaxNumberOfMessages"]]}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:  # noqa: N803
        handles = {e["ReceiptHandle"] for e in Entries}
        self.deleted += [m["MessageId"] for m in self.messages if m["ReceiptHandle"] in handles]
        self.messages = [m for m in self.messages if m["ReceiptHandle"] not in handles]


class RecordingLambdas:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def invoke(self, name: str, event: dict[str, Any]) -> Invocation:
        self.batches.append([r["messageId"] for r in event["Records"]])
        return Invocation({"batchItemFailures": []}, None, 1.0)


def test_every_consumer_polls_with_its_catalog_batch_size() -> None:
    consumers = [fn for fn in FUNCTIONS if fn.consumes]
    assert consumers
    for fn in consumers:
        sqs, lambdas = FakeQueue(12), RecordingLambdas()
        queues = {str(fn.consumes): {"url": "http://queue", "arn": "arn:aws:sqs:us-east-1:1:q"}}
        poller = SqsPoller(cast(LocalLambdas, lambdas), sqs, queues)
        assert poller.poll_once(fn.name, str(fn.consumes)) == min(fn.batch_size, 12)
        assert sqs.requested == [fn.batch_size]
        assert lambdas.batches == [[f"m{i}" for i in range(min(fn.batch_size, 12))]]
        assert sqs.deleted == lambdas.batches[0]


def test_provisioning_gets_one_message_per_invocation() -> None:
    sqs, lambdas = FakeQueue(3), RecordingLambdas()
    poller = SqsPoller(cast(LocalLambdas, lambdas), sqs, {"provisioning": {"url": "u", "arn": "a"}})
    while poller.poll_once("provision_wallets", "provisioning"):
        pass
    assert function("provision_wallets").batch_size == 1
    assert lambdas.batches == [["m0"], ["m1"], ["m2"]] and sqs.requested == [1, 1, 1, 1]


class BrokenQueue(FakeQueue):
    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        raise ConnectionError("the endpoint is down")


def test_a_queue_that_cannot_be_polled_is_logged_with_its_traceback_once_per_streak(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqs_poller, "MAX_BACKOFF_SECONDS", 0.05)
    poller = SqsPoller(
        cast(LocalLambdas, RecordingLambdas()), BrokenQueue(0), {"scan": {"url": "u", "arn": "a"}}
    )
    with caplog.at_level(logging.ERROR, logger=sqs_poller.__name__):
        poller.spawn(poller._loop, "scan_worker", "scan", name="sqs-scan")
        time.sleep(0.5)
        poller.stop()
    failures = [r for r in caplog.records if r.name == sqs_poller.__name__]
    assert len(failures) >= 3
    assert [r.exc_info is not None for r in failures].count(True) == 1  # only the streak's first
