"""The hedge's arithmetic and refusals that need no venue: filling from a book, Hyperliquid's
whole-number leverage, realized PnL of both legs, what counts as transient, what open refuses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests

from basis.platform.errors import ValidationRefusedError
from basis.positions import service
from basis.positions.legs import LegRefusedError, hl_leverage
from basis.positions.paper import walk
from basis.positions.saga import realized_pnl, transient
from basis.positions.store import LegRecord, PositionRecord, StaleVersionError
from basis.signing.errors import SigningError
from basis.venues.asgard.client import AsgardError
from basis.venues.hyperliquid.models import BookLevel

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def position(short: LegRecord, long: LegRecord) -> PositionRecord:
    return PositionRecord(
        "did:privy:u", "pos-1", "closing", "live", "SOL", Decimal(150), Decimal(3), None, None, short, long,
        NOW, None, None, None, None, None, (), NOW, NOW, 1,
    )  # fmt: skip


def test_a_fill_walks_the_book_level_by_level() -> None:
    bids = (BookLevel(Decimal(100), Decimal(1)), BookLevel(Decimal(99), Decimal(2)))
    assert walk(bids, Decimal("0.5")) == Decimal(100)
    assert walk(bids, Decimal(2)) == Decimal("99.5")  # 1 at 100, 1 at 99
    with pytest.raises(LegRefusedError, match="too thin"):
        walk(bids, Decimal(4))


def test_hyperliquid_leverage_is_rounded_down_never_below_one() -> None:
    assert [hl_leverage(Decimal(x)) for x in ("1.5", "3", "4.99")] == [1, 3, 4]


def test_realized_pnl_adds_both_closed_legs() -> None:
    short = LegRecord(
        "hyperliquid", "closed", closed_pnl_usd=Decimal(-10), funding_usd=Decimal(2), fees_usd=Decimal("0.5")
    )
    long = LegRecord("asgard", "closed", collateral_usd=Decimal(50), proceeds_usd=Decimal("59.9"))
    assert realized_pnl(position(short, long)) == Decimal("1.4")
    # A leg that never opened counts nothing: a refused long leaves only the short's costs.
    assert realized_pnl(position(short, replace(long, status="failed"))) == Decimal("-8.5")


def test_what_is_transient() -> None:
    assert transient(StaleVersionError("moved"))
    assert transient(requests.ConnectionError())
    assert transient(AsgardError("busy", 503)) and transient(AsgardError("slow down", 429))
    assert not transient(AsgardError("no USDC", 400))
    assert transient(SigningError("privy 503", retriable=True))
    assert not transient(SigningError("denied", retriable=False))
    assert not transient(LegRefusedError("refused"))


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"asset": "DOGE"}, "asset"),
        ({"mode": "demo"}, "mode"),
        ({"size_usd": Decimal(0)}, "size_usd"),
        ({"leverage": Decimal(1)}, "leverage"),
        ({"position_id": "has spaces"}, "position_id"),
    ],
)
def test_open_refuses_what_cannot_be_hedged_naming_the_field(terms: dict[str, object], field: str) -> None:
    request: dict[str, object] = {"asset": "SOL", "size_usd": Decimal(150), "leverage": Decimal(3)}
    request.update({"mode": "live", "reason": "t", **terms})
    with pytest.raises(ValidationRefusedError) as refused:
        service.open_position("did:privy:u", **request)  # type: ignore[arg-type]
    assert refused.value.details["field"] == field


def test_an_intent_key_names_one_position_per_user() -> None:
    assert service.position_id_for("did:privy:a", "k") == service.position_id_for("did:privy:a", "k")
    assert service.position_id_for("did:privy:a", "k") != service.position_id_for("did:privy:b", "k")
    assert service.POSITION_ID.match(service.position_id_for("did:privy:a", "k"))
