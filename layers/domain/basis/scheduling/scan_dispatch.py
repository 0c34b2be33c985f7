"""The scheduled per-user scan fan-out: one SQS message per user whose strategy is enabled.

Paused users are skipped here (the worker checks again before acting). Each message names the
scan slot (the minute the schedule fired), so a worker can drop a duplicate delivery of a slot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from basis.models import StrategyConfig
from basis.platform import heartbeat
from basis.platform.aws import client
from basis.platform.observability import logger

SQS_BATCH = 10


def enabled_users() -> Iterator[StrategyConfig]:
    for key in StrategyConfig.by_enabled.query("1"):
        config = StrategyConfig.get(key.user_id)
        if config.enabled and config.paused_at is None:
            yield config


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

    for index, config in enumerate(enabled_users()):
        body = json.dumps({"user_id": config.user_id, "slot": slot})
        batch.append({"Id": str(index), "MessageBody": body})
        if len(batch) == SQS_BATCH:
            flush()
    flush()
    heartbeat.record("scan", slot=slot, queued=sent, failed=failed)
    logger.info("scan fan-out", extra={"slot": slot, "queued": sent, "failed": failed})
    return {"queued": sent, "failed": failed}
