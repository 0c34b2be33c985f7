"""Response bodies of the positions routes (they are the OpenAPI schemas too). Amounts and prices
are exact decimal text; ``mode`` says whether a position is paper (simulated, nothing signed)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from basis.positions.store import LegRecord, PositionRecord
from basis.positions.valuation import Reading


def text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class LegResponse(BaseModel):
    venue: Literal["hyperliquid", "asgard"]
    side: Literal["short", "long"]
    status: str = Field(description="pending | sending | open | failed | closing | closed")
    client_id: str | None = Field(description="Hyperliquid cloid / Asgard position PDA (none for paper)")
    size: str | None = Field(description="coin units (SOL)")
    entry_price: str | None
    exit_price: str | None
    fees_usd: str | None
    collateral_usd: str | None
    debt_usd: str | None
    proceeds_usd: str | None
    funding_usd: str | None = Field(description="funding received (+) or paid (-), at close")
    interest_usd: str | None = Field(description="interest paid on the borrowed USDC, at close")
    opened_at: datetime | None
    closed_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, leg: LegRecord, side: Literal["short", "long"]) -> LegResponse:
        amounts = {name: text(getattr(leg, name)) for name in AMOUNTS}
        times = {"opened_at": leg.opened_at, "closed_at": leg.closed_at}
        return cls.model_validate(
            {
                "venue": leg.venue,
                "side": side,
                "status": leg.status,
                "client_id": leg.client_id,
                "error": leg.error,
            }
            | amounts
            | times
        )


# The leg's amounts and prices, as exact decimal text.
AMOUNTS = (
    "size",
    "entry_price",
    "exit_price",
    "fees_usd",
    "collateral_usd",
    "debt_usd",
    "proceeds_usd",
    "funding_usd",
    "interest_usd",
)


class StatusChangeResponse(BaseModel):
    status: str
    at: datetime
    detail: str | None


class PositionSummary(BaseModel):
    id: str
    mode: Literal["live", "paper"] = Field(description="paper: fills simulated, nothing ever signed")
    status: str = Field(description="opening | open | closing | closed | unwinding | failed | stuck_unwind")
    asset: str
    size_usd: str = Field(description="each leg's notional at entry")
    leverage: str
    reason: str | None
    opened_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    realized_pnl_usd: str | None
    error: str | None

    @classmethod
    def fields_of(cls, position: PositionRecord) -> dict[str, object]:
        return {
            "id": position.position_id,
            "mode": "paper" if position.paper else "live",
            "status": position.status,
            "asset": position.asset,
            "size_usd": str(position.size_usd),
            "leverage": str(position.leverage),
            "reason": position.reason,
            "opened_at": position.opened_at,
            "closed_at": position.closed_at,
            "close_reason": position.close_reason,
            "realized_pnl_usd": text(position.realized_pnl_usd),
            "error": position.error,
        }

    @classmethod
    def of(cls, position: PositionRecord) -> PositionSummary:
        return cls.model_validate(cls.fields_of(position))


class PositionsResponse(BaseModel):
    positions: list[PositionSummary] = Field(description="newest first")


class CloseAllResponse(BaseModel):
    paused: bool = Field(description="the strategy is paused (nothing new opens)")
    paused_reason: str | None = Field(description="user_close_all, or the reason of an earlier pause")
    positions: list[PositionSummary] = Field(
        description="the positions this close-all concerns (not closed yet, or closed by it since the "
        "pause), newest first, as the closes left them"
    )


class ReadingResponse(BaseModel):
    value: str | None
    source: str = Field(
        description="where the number comes from (venue and field, or the rule simulating it)"
    )
    error: str | None = Field(description="why there is no value: the source did not answer")

    @classmethod
    def of(cls, reading: Reading) -> ReadingResponse:
        return cls(value=text(reading.value), source=reading.source, error=reading.error)


class MarketResponse(BaseModel):
    short_price: ReadingResponse
    long_price: ReadingResponse
    funding_accrued_usd: ReadingResponse
    interest_accrued_usd: ReadingResponse
    unrealized_pnl_usd: ReadingResponse
    health_factor: ReadingResponse = Field(
        description="Asgard: percent the price can fall before liquidation"
    )
    margin_ratio: ReadingResponse = Field(description="Hyperliquid: maintenance margin over account value")


class PositionDetail(PositionSummary):
    legs: list[LegResponse]
    market: MarketResponse
    status_history: list[StatusChangeResponse] = Field(description="oldest first")
