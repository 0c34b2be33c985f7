"""The scheduled per-user scan fan-out: one SQS message per user whose strategy is enabled.

Paused users are skipped here (the worker checks again before acting). Each message names the
scan slot (the minute the schedule fired), so a worker can drop a duplicate delivery of a slot.
"""

from __future__ import annotations

import json
from datetime import datetime

from basis.platform import heartbeat
from basis.platform.aws import client
from basis.platform.observability import logger
from basis.scheduling import strategies

SQS_BATCH = 10


def dispatch(fired_at: datetime, queue_url: str) -> dict[str, int]:
    slot = fired_at.strftime("%Y-%m-%dT%H:%MZ")
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
            logger.error("scan message not queued", extra={"entry": failure})
        batch = []

    for index, user_id in enumerate(strategies.active_users()):
        body = json.dumps({"user_id": user_id, "slot": slot})
        batch.append({"Id": str(index), "MessageBody": body})
        if len(batch) == SQS_BATCH:
            flush()
    flush()
    heartbeat.record("scan", slot=slot, queued=sent, failed=failed)
    logger.info("scan fan-out", extra={"slot": slot, "queued": sent, "failed": failed})
    return {"queued": sent, "failed": failed}
