"""The local SQS event source hands each consumer batches of the catalog's batch size."""

from __future__ import annotations

from typing import Any, cast

from infra.catalog import FUNCTIONS, function
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
