"""The scan sizes the capital deployed (both legs); the positions service takes each leg's notional:
the Asgard long's collateral is notional / leverage, the Hyperliquid short's margin notional /
floor(leverage)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from basis.scan.hedges import notional_per_leg


@pytest.mark.parametrize(
    ("capital", "leverage", "notional"),
    [
        (Decimal(2500), Decimal(3), Decimal(3750)),  # 1,250 collateral + 1,250 margin
        (Decimal(100), Decimal(5), Decimal(250)),
        (Decimal(900), Decimal("2.5"), Decimal(1000)),  # 400 collateral + 500 margin at 2x
        (Decimal(1000), Decimal(3), Decimal(1500)),
    ],
)
def test_each_leg_is_what_the_capital_buys_at_the_leverage(
    capital: Decimal, leverage: Decimal, notional: Decimal
) -> None:
    assert notional_per_leg(capital, leverage) == notional
