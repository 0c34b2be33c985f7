"""Stands in for Lambda's SQS event source mapping: polls each consumed queue, invokes the consumer
with a batch, deletes what succeeded and leaves ``batchItemFailures`` for redelivery (then the DLQ)."""

from __future__ import annotations

import logging
from typing import Any

from infra.catalog import FUNCTIONS, function
from local.aws.lambdas import LocalLambdas
from local.runtime.loops import BackgroundLoops

log = logging.getLogger(__name__)
# A queue that cannot be polled (the endpoint down) is retried ever more slowly, up to this.
MAX_BACKOFF_SECONDS = 5


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }


class SqsPoller(BackgroundLoops):
    def __init__(self, lambdas: LocalLambdas, sqs: Any, queues: dict[str, dict[str, str]]) -> None:
        super().__init__()
        """``queues``: catalog queue name -> {"url": ..., "arn": ...}."""
        self.lambdas = lambdas
        self.sqs = sqs
        self.queues = queues

    def poll_once(self, function_name: str, queue: str, wait_seconds: int = 0) -> int:
        """One receive + invoke + delete round; returns how many messages were handled."""
        info = self.queues[queue]
        answer = self.sqs.receive_message(
            QueueUrl=info["url"],
            MaxNumberOfMessages=function(function_name).batch_size,  # the event source's batch size
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        result = self.lambdas.invoke(function_name, sqs_event(messages, info["arn"]))
        if result.error is not None:
            log.error(
                "%s failed on a batch of %d: %s", function_name, len(messages), result.error["errorMessage"]
            )
            return len(messages)  # whole batch returns to the queue after the visibility timeout
        failed = {f["itemIdentifier"] for f in (result.payload or {}).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=info["url"],
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(messages)

    def _loop(self, function_name: str, queue: str) -> None:
        failures = 0  # in a row: the first is logged with its traceback, the rest in one line
        while not self._stop.is_set():
            try:
                self.poll_once(function_name, queue, wait_seconds=1)
                failures = 0
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.exception("polling %s for %s failed", queue, function_name)
                else:
                    log.error(
                        "polling %s for %s failed again (%d in a row): %r",
                        queue,
                        function_name,
                        failures,
                        exc,
                    )
                self._stop.wait(min(failures, MAX_BACKOFF_SECONDS))

    def start(self) -> None:
        for fn in FUNCTIONS:
            if fn.consumes:
                self.spawn(self._loop, fn.name, fn.consumes, name=f"sqs-{fn.consumes}")
