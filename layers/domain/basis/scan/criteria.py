"""Entry criteria (seed 7.2.3), checked in the seed's order for each of the user's assets:

1. ``funding_not_positive``: the short leg earns funding only while the rate is above zero;
2. ``funding_below_threshold``: the 8-hour rate, in percent, under ``min_funding_rate_8hr``
   (percent per 8 hours, like every other percentage of the strategy: 0.005 is 0.005 %);
3. ``volatility_unknown`` / ``volatility_too_high``: the week's relative volatility
   (``basis.scan.market``) unknown, or over ``max_funding_volatility`` percent;
4. ``carry_below_threshold``: the carry, ``abs(rate_8h) * 3 * 365 * leverage * 100`` percent a year
   (the rate as a fraction, three settlements of 8 h a day), under ``min_carry_apy``.

The leverage is the strategy's ``max_leverage``, never above the system cap. Of the assets that
pass, the highest carry is chosen; when none passes, the reason is that of the asset that got
furthest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from basis.scan.market import AssetMarket, MarketSnapshot
from basis.strategy.config import StrategyParameters
from basis.strategy.limits import CAPS

FUNDING_NOT_POSITIVE = "funding_not_positive"
FUNDING_BELOW_THRESHOLD = "funding_below_threshold"
VOLATILITY_UNKNOWN = "volatility_unknown"
VOLATILITY_TOO_HIGH = "volatility_too_high"
CARRY_BELOW_THRESHOLD = "carry_below_threshold"
NO_MARKET_DATA = "no_market_data"
# Every reason, in the order the checks run (the furthest-reaching reason is reported).
REASONS = (
    NO_MARKET_DATA,
    FUNDING_NOT_POSITIVE,
    FUNDING_BELOW_THRESHOLD,
    VOLATILITY_UNKNOWN,
    VOLATILITY_TOO_HIGH,
    CARRY_BELOW_THRESHOLD,
)


@dataclass(frozen=True)
class Opportunity:
    market: AssetMarket
    leverage: Decimal
    carry_apy: Decimal


def leverage(parameters: StrategyParameters) -> Decimal:
    return min(parameters.max_leverage, CAPS.max_leverage)


def carry_apy(rate_8h: Decimal, leverage: Decimal) -> Decimal:
    """Percent a year: three 8-hour settlements a day, on the leveraged notional."""
    return abs(rate_8h) * 3 * 365 * leverage * 100


def check(parameters: StrategyParameters, market: AssetMarket) -> Opportunity | str:
    """The opportunity in ``market``, or the first criterion it fails."""
    if market.funding_hourly <= 0:
        return FUNDING_NOT_POSITIVE
    if market.funding_8h * 100 < parameters.min_funding_rate_8hr:
        return FUNDING_BELOW_THRESHOLD
    if market.volatility_pct is None:
        return VOLATILITY_UNKNOWN
    if market.volatility_pct > parameters.max_funding_volatility:
        return VOLATILITY_TOO_HIGH
    carry = carry_apy(market.funding_8h, leverage(parameters))
    if carry < parameters.min_carry_apy:
        return CARRY_BELOW_THRESHOLD
    return Opportunity(market, leverage(parameters), carry)


def best(parameters: StrategyParameters, snapshot: MarketSnapshot) -> Opportunity | str:
    """The best opportunity among the user's assets, or why there is none."""
    found: list[Opportunity] = []
    reasons: list[str] = []
    for asset in parameters.assets:
        market = snapshot.assets.get(asset)
        result = NO_MARKET_DATA if market is None else check(parameters, market)
        if isinstance(result, Opportunity):
            found.append(result)
        else:
            reasons.append(result)
    if found:
        return max(found, key=lambda o: o.carry_apy)
    return max(reasons, key=REASONS.index, default=NO_MARKET_DATA)
