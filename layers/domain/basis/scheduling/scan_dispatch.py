"""The scheduled per-user scan fan-out: the market read once, then one SQS message per user whose
strategy is active, read from the strategy store's sparse index (never a table scan).

Each message carries the user, the slot (the schedule's firing time, ISO, so a worker can drop a
second delivery of it and derive the slot's position id) and the slot's market
(``basis.scan.market``: a few hundred bytes), so no worker reads the market or a snapshot item.
Paused users are not queued (the worker checks again before acting). A market that cannot be read
queues nothing: the run is recorded as such on the heartbeat and fails (its alarm; EventBridge
retries it).
"""

from __future__ import annotations

from datetime import datetime

from basis.platform import heartbeat
from basis.platform.config import get_settings
from basis.platform.errors import TransientError
from basis.platform.observability import logger
from basis.scan.market import MarketSnapshot, read_market
from basis.scheduling.fanout import enqueue
from basis.scheduling.slots import slot_of
from basis.strategy import store as strategies
from basis.strategy.limits import CAPS
from basis.venues.hyperliquid.trader import HyperliquidTrader

JOB = "scan"


class MarketUnavailableError(TransientError, code="market_unavailable"):
    """Hyperliquid's funding rates or prices could not be read: no user is scanned this slot."""


def market_now(fired_at: datetime) -> MarketSnapshot:
    trader = HyperliquidTrader(str(get_settings().hyperliquid_api_url), None, "")
    return read_market(trader, CAPS.assets, fired_at)


def dispatch(fired_at: datetime, queue_url: str) -> dict[str, int]:
    slot = slot_of(fired_at)
    try:
        market = market_now(fired_at).to_message()
    except Exception as exc:
        heartbeat.record(JOB, slot=slot, queued=0, failed=0, market=f"unavailable: {type(exc).__name__}")
        raise MarketUnavailableError(f"market not read for slot {slot}: {exc}") from exc
    sent, failed = enqueue(
        queue_url,
        ({"user_id": user_id, "slot": slot, "market": market} for user_id in strategies.active_users()),
    )
    heartbeat.record(JOB, slot=slot, queued=sent, failed=failed)
    heartbeat.tally(JOB, slot, {"queued": sent})
    logger.info("scan fan-out", extra={"slot": slot, "queued": sent, "failed": failed})
    return {"queued": sent, "failed": failed}
