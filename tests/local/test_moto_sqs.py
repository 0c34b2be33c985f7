"""The local SQS (moto, with ``local.aws.moto_sqs``): a send costs the same into a deep queue as into
a shallow one, and the queue's counts, receives and deletes keep moto's (and SQS's) meaning."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.sqs import models

from local.runtime.stack import LocalStack


def _queue(sqs: Any) -> str:
    return str(sqs.create_queue(QueueName=f"moto-sqs-{uuid.uuid4().hex[:8]}")["QueueUrl"])


def _fill(sqs: Any, url: str, count: int) -> None:
    for first in range(0, count, 10):
        entries = [{"Id": str(i), "MessageBody": f"m{first + i}"} for i in range(min(10, count - first))]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def _clock_reads_of_one_batch(sqs: Any, url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    reads = [0]
    real = models.unix_time_millis

    def counted(*args: Any) -> float:
        reads[0] += 1
        return real(*args)

    with monkeypatch.context() as patch:
        patch.setattr(models, "unix_time_millis", counted)
        _fill(sqs, url, 10)
    return reads[0]


def test_a_send_into_a_deep_queue_reads_the_clock_as_often_as_into_a_shallow_one(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs = stack.client("sqs")
    shallow, deep = _queue(sqs), _queue(sqs)
    _fill(sqs, deep, 1_000)
    # Unpatched moto reads it three times per waiting message on every send: 30,000 more here.
    assert _clock_reads_of_one_batch(sqs, deep, monkeypatch) == _clock_reads_of_one_batch(
        sqs, shallow, monkeypatch
    )


def _counts(sqs: Any, url: str) -> tuple[int, int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        int(attributes["ApproximateNumberOfMessagesDelayed"]),
    )


def test_counts_receives_and_deletes_keep_their_meaning(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    url = _queue(sqs)
    _fill(sqs, url, 3)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    assert _counts(sqs, url) == (3, 0, 1)

    (first,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=30)["Messages"]
    assert _counts(sqs, url) == (2, 1, 1)
    # Made visible again and received anew: a receipt handle the message had still deletes it.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert first["MessageId"] in {m["MessageId"] for m in received} and len(received) == 3
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # again: accepted
    assert _counts(sqs, url) == (0, 2, 1)

    with pytest.raises(ClientError, match="ReceiptHandleIsInvalid"):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    for message in received:
        if message["MessageId"] != first["MessageId"]:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert _counts(sqs, url) == (0, 0, 1)
