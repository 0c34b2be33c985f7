"""The market as one scan cycle sees it: read once by the dispatcher, carried in every user's message.

Per asset: Hyperliquid's current hourly funding rate (the one the next settlement uses), its own
predicted rate, the volatility of the hourly rate over the last week, and the mid price. The
volatility is relative: the standard deviation of the hourly rates over their mean's magnitude, in
percent (a rate that swings by half its size is 50 % volatile), so it compares with the strategy's
``max_funding_volatility``; with fewer than two rates it is unknown (None).

Carried in the message rather than stored: a worker reads nothing to learn the market, and every
user of a slot decides on the same numbers. Amounts travel as decimal strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from basis.venues.hyperliquid.trader import HyperliquidTrader

FUNDING_WINDOW_HOURS = 168  # one week of hourly rates for the volatility
SETTLEMENTS_PER_8H = 8  # Hyperliquid settles hourly


@dataclass(frozen=True)
class AssetMarket:
    asset: str
    funding_hourly: Decimal
    predicted_hourly: Decimal | None
    volatility_pct: Decimal | None
    mid: Decimal | None

    @property
    def funding_8h(self) -> Decimal:
        return self.funding_hourly * SETTLEMENTS_PER_8H

    def to_message(self) -> dict[str, str | None]:
        return {
            "funding_hourly": str(self.funding_hourly),
            "predicted_hourly": _text(self.predicted_hourly),
            "volatility_pct": _text(self.volatility_pct),
            "mid": _text(self.mid),
        }

    @classmethod
    def from_message(cls, asset: str, body: dict[str, Any]) -> AssetMarket:
        return cls(
            asset,
            Decimal(body["funding_hourly"]),
            _number(body.get("predicted_hourly")),
            _number(body.get("volatility_pct")),
            _number(body.get("mid")),
        )


@dataclass(frozen=True)
class MarketSnapshot:
    read_at: datetime
    assets: dict[str, AssetMarket]

    def to_message(self) -> dict[str, Any]:
        return {
            "read_at": self.read_at.isoformat(),
            "assets": {name: market.to_message() for name, market in self.assets.items()},
        }

    @classmethod
    def from_message(cls, body: dict[str, Any]) -> MarketSnapshot:
        return cls(
            datetime.fromisoformat(body["read_at"]),
            {name: AssetMarket.from_message(name, m) for name, m in body["assets"].items()},
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(raw: Any) -> Decimal | None:
    return None if raw is None else Decimal(str(raw))


def relative_volatility(mean: Decimal, stdev: Decimal, samples: int) -> Decimal | None:
    """``stdev / |mean|`` in percent; None with fewer than two samples. A zero mean with any spread
    is infinitely volatile (no finite limit admits it)."""
    if samples < 2:
        return None
    if stdev == 0:
        return Decimal(0)
    if mean == 0:
        return Decimal("Infinity")
    return stdev / abs(mean) * 100


def read_market(trader: HyperliquidTrader, assets: tuple[str, ...], at: datetime) -> MarketSnapshot:
    """One read of the venue for the cycle: contexts, mids and predictions once, history per asset."""
    _, contexts = trader.markets()
    mids = trader.mid_prices()
    read: dict[str, AssetMarket] = {}
    for asset in assets:
        stats = trader.funding_stats(asset, FUNDING_WINDOW_HOURS)
        read[asset] = AssetMarket(
            asset,
            contexts[asset].funding,
            trader.predicted_funding_rate(asset),
            relative_volatility(stats.mean_hourly, stats.stdev_hourly, stats.samples),
            mids.get(asset),
        )
    return MarketSnapshot(at, read)
