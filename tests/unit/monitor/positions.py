"""Open positions as the position store answers them, for the monitor's unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from basis.positions.store import LegRecord, PositionRecord

OPENED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def open_position(
    user_id: str = "did:privy:alice", position_id: str = "pos-1", *, mode: str = "live", status: str = "open"
) -> PositionRecord:
    """A 3x SOL hedge of 150 per leg: the short 1 SOL at 150 (margin 50), the long's collateral 50:
    100 of capital."""
    short = LegRecord("hyperliquid", "open", size=Decimal(1), entry_price=Decimal(150), fees_usd=Decimal(0))
    long = LegRecord(
        "asgard",
        "open",
        client_id=None if mode == "paper" else f"PDA{position_id}",
        size=Decimal(1),
        entry_price=Decimal(150),
        collateral_usd=Decimal(50),
        debt_usd=Decimal(100),
    )
    return PositionRecord(
        user_id=user_id,
        position_id=position_id,
        status=status,
        mode=mode,
        asset="SOL",
        size_usd=Decimal(150),
        leverage=Decimal(3),
        reason="test",
        intent_key=None,
        short=short,
        long=long,
        opened_at=OPENED,
        closed_at=None,
        close_requested=None,
        close_reason=None,
        realized_pnl_usd=None,
        error=None,
        history=(),
        created_at=OPENED,
        updated_at=OPENED,
        version=3,
    )
