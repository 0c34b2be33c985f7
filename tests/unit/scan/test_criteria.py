"""Entry criteria in the seed's order (7.2.3): funding positive, then the 8-hour rate threshold, then
the funding's volatility, then the carry APY; the leverage never above the system cap."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from basis.scan import criteria
from basis.scan.criteria import Opportunity
from basis.scan.market import AssetMarket, MarketSnapshot
from basis.strategy.config import StrategyParameters

# 0.0000125 an hour is 0.01 % per 8 hours: 32.85 % a year at 3x.
TYPICAL = AssetMarket("SOL", Decimal("0.0000125"), None, Decimal(10), Decimal(150))
DEFAULTS = StrategyParameters()


def market(**changes: Any) -> AssetMarket:
    return replace(TYPICAL, **changes)


def test_a_typical_market_passes_the_defaults_with_the_seeds_carry_formula() -> None:
    found = criteria.check(DEFAULTS, TYPICAL)
    assert isinstance(found, Opportunity)
    assert found.carry_apy == Decimal("0.0001") * 3 * 365 * 3 * 100 == Decimal("32.85")
    assert found.leverage == 3


@pytest.mark.parametrize(
    ("changes", "parameters", "reason"),
    [
        # every criterion failing at once: the first in the seed's order is reported
        (
            {"funding_hourly": Decimal(-1), "volatility_pct": Decimal(500)},
            {"min_funding_rate_8hr": Decimal(1), "min_carry_apy": Decimal(1000)},
            "funding_not_positive",
        ),
        ({"funding_hourly": Decimal(0)}, {}, "funding_not_positive"),
        (
            {"volatility_pct": Decimal(500)},
            {"min_funding_rate_8hr": Decimal("0.011"), "min_carry_apy": Decimal(1000)},
            "funding_below_threshold",
        ),
        ({"volatility_pct": Decimal(500)}, {"min_carry_apy": Decimal(1000)}, "volatility_too_high"),
        ({"volatility_pct": None}, {"min_carry_apy": Decimal(1000)}, "volatility_unknown"),
        ({}, {"min_carry_apy": Decimal("32.86")}, "carry_below_threshold"),
    ],
)
def test_the_first_failing_criterion_in_the_seeds_order_is_the_reason(
    changes: dict[str, Any], parameters: dict[str, Any], reason: str
) -> None:
    assert criteria.check(replace(DEFAULTS, **parameters), market(**changes)) == reason


def test_thresholds_are_inclusive() -> None:
    at_limits = replace(
        DEFAULTS,
        min_funding_rate_8hr=Decimal("0.01"),  # percent per 8 hours: exactly the market's
        max_funding_volatility=Decimal(10),
        min_carry_apy=Decimal("32.85"),
    )
    assert isinstance(criteria.check(at_limits, TYPICAL), Opportunity)


def test_the_carry_uses_the_users_leverage_capped_by_the_system() -> None:
    at_one = criteria.check(replace(DEFAULTS, max_leverage=Decimal(1), min_carry_apy=Decimal(10)), TYPICAL)
    assert isinstance(at_one, Opportunity) and at_one.carry_apy == Decimal("10.95")
    above_cap = criteria.check(replace(DEFAULTS, max_leverage=Decimal(8)), TYPICAL)
    assert isinstance(above_cap, Opportunity) and above_cap.leverage == 5


def test_of_several_assets_the_highest_carry_wins_and_else_the_furthest_reason_is_told() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    both = replace(DEFAULTS, assets=("SOL", "BTC"))
    better = AssetMarket("BTC", Decimal("0.00002"), None, Decimal(5), Decimal(95_000))
    found = criteria.best(both, MarketSnapshot(at, {"SOL": TYPICAL, "BTC": better}))
    assert isinstance(found, Opportunity) and found.market.asset == "BTC"

    negative, volatile = market(funding_hourly=Decimal(-1)), replace(better, volatility_pct=Decimal(99))
    assert (
        criteria.best(both, MarketSnapshot(at, {"SOL": negative, "BTC": volatile})) == "volatility_too_high"
    )
    assert criteria.best(both, MarketSnapshot(at, {})) == "no_market_data"
