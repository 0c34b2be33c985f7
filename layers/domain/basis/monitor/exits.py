"""When an open position exits (seed 7.2.4): the monitor's decision for one position, pure.

In this order, the first that holds is the reason:

1. ``asgard_liquidation_proximity`` / ``hyperliquid_liquidation_proximity``: the Asgard health
   factor at or under its limit, or the Hyperliquid margin ratio at or over its limit, held for the
   proximity window (``basis.monitor.proximity``);
2. ``stop_loss``: the unrealized PnL (both legs, funding, interest and fees included) at or under
   ``-stop_loss_pct`` percent of the capital the position put in at entry (the long's collateral
   plus the short's initial margin);
3. ``take_profit`` (when set): the unrealized PnL at or over ``take_profit_pct`` percent of it;
4. ``carry_below_exit``: the carry the position earns now, under ``min_exit_carry_apy``. The carry
   is the scan's formula (``basis.scan.criteria.carry_apy``: the 8-hour funding rate, three times a
   day, a year, at the position's leverage) with the rate's sign: a short pays negative funding, so
   its carry is negative.

A reading that is missing (a venue not answering, no market for the slot) decides nothing; it is
named in ``unknown`` so the evaluation says it could not judge everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from basis.monitor import proximity
from basis.monitor.settings import get_monitor_settings
from basis.positions.legs import hl_leverage
from basis.positions.store import PositionRecord
from basis.scan.criteria import carry_apy
from basis.scan.market import AssetMarket
from basis.strategy.config import StrategyParameters

ASGARD_PROXIMITY = "asgard_liquidation_proximity"
HYPERLIQUID_PROXIMITY = "hyperliquid_liquidation_proximity"
STOP_LOSS = "stop_loss"
TAKE_PROFIT = "take_profit"
CARRY = "carry_below_exit"
REASONS = (ASGARD_PROXIMITY, HYPERLIQUID_PROXIMITY, STOP_LOSS, TAKE_PROFIT, CARRY)


@dataclass(frozen=True)
class Limits:
    window: timedelta
    min_health_pct: Decimal
    max_margin_ratio: Decimal

    @classmethod
    def from_settings(cls) -> Limits:
        settings = get_monitor_settings()
        return cls(
            timedelta(seconds=settings.monitor_proximity_window_seconds),
            settings.monitor_asgard_min_health_pct,
            settings.monitor_hyperliquid_max_margin_ratio,
        )


@dataclass(frozen=True)
class Readings:
    """What is known of one open position now (None: not read)."""

    pnl_usd: Decimal | None = None  # unrealized, both legs
    capital_usd: Decimal | None = None  # put in at entry
    carry_apy: Decimal | None = None  # percent a year, signed
    health_factor: Decimal | None = None  # Asgard: percent the price may fall before liquidation
    margin_ratio: Decimal | None = None  # Hyperliquid: maintenance margin / account value

    @property
    def pnl_pct(self) -> Decimal | None:
        if self.pnl_usd is None or not self.capital_usd:
            return None
        return self.pnl_usd / self.capital_usd * 100


@dataclass(frozen=True)
class Judgement:
    exit: str | None  # the reason, or None: the position holds
    unknown: tuple[str, ...]  # the readings that were missing


def capital_usd(position: PositionRecord) -> Decimal | None:
    """The capital the position put in at entry: the long's collateral and the short's margin."""
    long, short = position.long, position.short
    if long.collateral_usd is None or short.size is None or short.entry_price is None:
        return None
    return long.collateral_usd + short.size * short.entry_price / hl_leverage(position.leverage)


def carry_now(market: AssetMarket | None, leverage: Decimal) -> Decimal | None:
    """The scan's carry formula on the current funding rate, keeping the rate's sign."""
    if market is None:
        return None
    return carry_apy(market.funding_8h, leverage).copy_sign(market.funding_8h)


def _below(value: Decimal | None, limit: Decimal) -> bool | None:
    return None if value is None else value <= limit


def _above(value: Decimal | None, limit: Decimal) -> bool | None:
    return None if value is None else value >= limit


def judge(
    position: PositionRecord,
    readings: Readings,
    parameters: StrategyParameters,
    timers: dict[str, datetime],
    now: datetime,
    limits: Limits,
) -> Judgement:
    """The exit of ``position`` now, if any; ``timers`` (the user's) updated for its two legs."""
    asgard, hyperliquid = proximity.keys(position)
    near_asgard = _below(readings.health_factor, limits.min_health_pct)
    near_hyperliquid = _above(readings.margin_ratio, limits.max_margin_ratio)
    checks: list[tuple[str, bool | None]] = [
        (ASGARD_PROXIMITY, proximity.track(timers, asgard, near_asgard, now, limits.window)),
        (HYPERLIQUID_PROXIMITY, proximity.track(timers, hyperliquid, near_hyperliquid, now, limits.window)),
    ]
    pnl = readings.pnl_pct
    checks.append((STOP_LOSS, None if pnl is None else pnl <= -parameters.stop_loss_pct))
    if parameters.take_profit_pct is not None:
        checks.append((TAKE_PROFIT, None if pnl is None else pnl >= parameters.take_profit_pct))
    carry = readings.carry_apy
    checks.append((CARRY, None if carry is None else carry < parameters.min_exit_carry_apy))
    unknown = tuple(
        name
        for name, missing in (
            ("health_factor", near_asgard is None),
            ("margin_ratio", near_hyperliquid is None),
            ("pnl", pnl is None),
            ("carry", carry is None),
        )
        if missing
    )
    return Judgement(next((reason for reason, hit in checks if hit), None), unknown)
