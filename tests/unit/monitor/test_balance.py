"""The balance the drawdown is measured on: Hyperliquid's account value plus the equity of the
user's active Asgard positions; an active position without its equity is no balance at all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from basis.monitor.balance import balance_usd
from basis.venues.asgard.client import AsgardPosition


def asgard(equity: int | None, state: int = 0) -> AsgardPosition:
    return AsgardPosition(
        pda=f"PDA{equity}-{state}",
        owner="owner",
        protocol=0,
        state=state,
        status="active" if state == 0 else "closed",
        leverage=Decimal(3),
        entry_price=Decimal(150),
        mark_price=Decimal(150),
        collateral=50_000_000,
        size_lamports=10**9,
        debt=100_000_000,
        health_factor=Decimal(30),
        open_tx=None,
        close_tx=None,
        equity=equity,
    )


def test_account_value_plus_the_active_positions_equity() -> None:
    positions = [asgard(49_500_000), asgard(25_250_001), asgard(None, state=1)]  # closed: not counted
    assert balance_usd(Decimal("900.25"), positions) == Decimal("975.000001")


def test_no_asgard_position_is_the_account_value() -> None:
    assert balance_usd(Decimal("1000"), []) == Decimal(1000)


def test_an_active_position_without_its_equity_is_refused() -> None:
    with pytest.raises(ValueError, match="has no equity"):
        balance_usd(Decimal("1000"), [asgard(50_000_000), asgard(None)])
