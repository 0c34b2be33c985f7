"""Position sizing (seed 6.7): the balance times max_position_pct, within the system's $100-$50k."""

from __future__ import annotations

from decimal import Decimal

import pytest

from basis.scan import sizing


@pytest.mark.parametrize(
    ("balance", "pct", "size"),
    [
        (Decimal(1000), Decimal(25), Decimal(250)),
        (Decimal("1000.07"), Decimal(25), Decimal("250.01")),  # rounded down to the cent
        (Decimal(400), Decimal(25), Decimal(100)),  # exactly the minimum
        (Decimal(399), Decimal(25), None),  # under it: nothing opens (the % is never exceeded)
        (Decimal(0), Decimal(25), None),
        (Decimal(1_000_000), Decimal(25), Decimal(50_000)),  # the system maximum
        (Decimal(200_000), Decimal(100), Decimal(50_000)),
    ],
)
def test_size_is_the_balance_share_within_the_system_caps(
    balance: Decimal, pct: Decimal, size: Decimal | None
) -> None:
    assert sizing.size_usd(balance, pct) == size
