"""The scheduled per-user scan fan-out: one SQS message per user whose strategy is enabled.

Paused users are skipped here (the worker checks again before acting). Each message names the
scan slot (the minute the schedule fired), so a worker can drop a duplicate delivery of a slot.
"""

from __future__ import annotations

from datetime import datetime

from basis.platform import heartbeat
from basis.platform.observability import logger
from basis.scheduling.fanout import enqueue
from basis.strategy import store as strategies


def dispatch(fired_at: datetime, queue_url: str) -> dict[str, int]:
    slot = fired_at.strftime("%Y-%m-%dT%H:%MZ")
    sent, failed = enqueue(
        queue_url, ({"user_id": user_id, "slot": slot} for user_id in strategies.active_users())
    )
    heartbeat.record("scan", slot=slot, queued=sent, failed=failed)
    logger.info("scan fan-out", extra={"slot": slot, "queued": sent, "failed": failed})
    return {"queued": sent, "failed": failed}
