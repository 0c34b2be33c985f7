"""The slot's market travels in each message as strings and comes back exact; the funding's
volatility is relative to its mean."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from basis.scan.market import AssetMarket, MarketSnapshot, relative_volatility


def test_the_snapshot_survives_the_message_exactly() -> None:
    snapshot = MarketSnapshot(
        datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
        {"SOL": AssetMarket("SOL", Decimal("0.0000125"), None, Decimal("Infinity"), Decimal("150.25"))},
    )
    body = json.loads(json.dumps(snapshot.to_message()))
    assert MarketSnapshot.from_message(body) == snapshot
    assert len(json.dumps(body)) < 300  # one small message per user


def test_volatility_is_the_spread_over_the_means_size_in_percent() -> None:
    assert relative_volatility(Decimal("0.00002"), Decimal("0.00001"), 168) == Decimal(50)
    assert relative_volatility(Decimal("-0.00002"), Decimal("0.00001"), 168) == Decimal(50)
    assert relative_volatility(Decimal("0.00002"), Decimal(0), 168) == 0
    assert relative_volatility(Decimal(0), Decimal("0.00001"), 168) == Decimal("Infinity")
    assert relative_volatility(Decimal("0.00002"), Decimal(0), 1) is None  # unknown from one rate
