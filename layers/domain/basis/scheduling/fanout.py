"""Queue one JSON message per item in SQS batches of ten: the shared step of the scheduled fan-outs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from basis.platform.aws import client
from basis.platform.observability import logger

SQS_BATCH = 10


def enqueue(queue_url: str, bodies: Iterable[dict[str, Any]]) -> tuple[int, int]:
    """Send each body as one message; ``(queued, failed)`` (a failed entry is logged, not retried)."""
    sqs = client("sqs")
    sent = failed = 0
    batch: list[dict[str, str]] = []

    def flush() -> None:
        nonlocal sent, failed, batch
        if not batch:
            return
        answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)
        sent += len(answer.get("Successful", []))
        for failure in answer.get("Failed", []):
            failed += 1
            logger.error("fan-out message not queued", extra={"entry": failure})
        batch = []

    for index, body in enumerate(bodies):
        batch.append({"Id": str(index), "MessageBody": json.dumps(body)})
        if len(batch) == SQS_BATCH:
            flush()
    flush()
    return sent, failed
