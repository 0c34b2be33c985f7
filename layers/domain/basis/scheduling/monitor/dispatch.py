"""The scheduled position-monitor fan-out: the market read once (as the scan's), then one SQS message
per user with positions to watch, read from the risk store's sparse ``by_watch`` index (never a
table scan: a user without positions is not read at all).

The market is only the carry's input: when it cannot be read the users are queued without it (the
stop loss, take profit and liquidation proximity read the venues themselves and must not wait), and
the run says so on the heartbeat.
"""

from __future__ import annotations

from datetime import datetime

from basis.monitor import JOB
from basis.platform import heartbeat
from basis.platform.observability import logger
from basis.risk import store as risks
from basis.scheduling.fanout import enqueue
from basis.scheduling.scan_dispatch import market_now
from basis.scheduling.slots import slot_of


def dispatch(fired_at: datetime, queue_url: str) -> dict[str, int]:
    slot = slot_of(fired_at)
    try:
        market, read = market_now(fired_at).to_message(), "read"
    except Exception as exc:
        logger.warning("market not read: the carry is not judged this slot", extra={"error": repr(exc)[:300]})
        market, read = None, f"unavailable: {type(exc).__name__}"
    sent, failed = enqueue(
        queue_url, ({"user_id": user_id, "slot": slot, "market": market} for user_id in risks.watched_users())
    )
    heartbeat.record(JOB, slot=slot, queued=sent, failed=failed, market=read)
    heartbeat.tally(JOB, slot, {"queued": sent})
    logger.info("monitor fan-out", extra={"slot": slot, "queued": sent, "failed": failed, "market": read})
    return {"queued": sent, "failed": failed}
