"""``/api/v1/positions``: the caller's hedged positions (live and paper), one position with its legs,
prices and PnL read from the venues (each number with its source), a user-requested close, and
close-all (the strategy paused first, then every position closed). Another user's position id is
not found (404), never forbidden."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.position_schemas import (
    CloseAllResponse,
    LegResponse,
    MarketResponse,
    PositionDetail,
    PositionsResponse,
    PositionSummary,
    ReadingResponse,
    StatusChangeResponse,
)
from basis.api.principal import current_principal
from basis.positions import service, valuation
from basis.positions.store import PositionRecord

router = APIGatewayRouter()
USER_CLOSE = "user_requested"


def _caller() -> str:
    """The caller's user id: every route reads and acts on the caller's own positions only."""
    return current_principal(router.current_event).user_id


def _detail(position: PositionRecord) -> PositionDetail:
    value = valuation.value(position)
    return PositionDetail.model_validate(
        {
            **PositionSummary.fields_of(position),
            "legs": [LegResponse.of(position.short, "short"), LegResponse.of(position.long, "long")],
            "market": MarketResponse(
                short_price=ReadingResponse.of(value.short_price),
                long_price=ReadingResponse.of(value.long_price),
                funding_accrued_usd=ReadingResponse.of(value.funding_accrued),
                interest_accrued_usd=ReadingResponse.of(value.interest_accrued),
                unrealized_pnl_usd=ReadingResponse.of(value.unrealized_pnl),
                health_factor=ReadingResponse.of(value.health_factor),
                margin_ratio=ReadingResponse.of(value.margin_ratio),
            ),
            "status_history": [
                StatusChangeResponse(status=c.status, at=c.at, detail=c.detail) for c in position.history
            ],
        }
    )


@router.get(
    "/positions",
    summary="The caller's positions (live and paper), newest first",
    responses=route_responses(PositionsResponse, "the positions", 401, 405),
)
def positions() -> PositionsResponse:
    return PositionsResponse(positions=[PositionSummary.of(p) for p in service.list_positions(_caller())])


@router.get(
    "/positions/<position_id>",
    summary="One of the caller's positions: legs, entry and current prices, funding and interest "
    "accrued, realized and unrealized PnL, health factor, margin ratio (each with its source), "
    "status history",
    responses=route_responses(PositionDetail, "the position", 401, 404, 405),
)
def position(position_id: str) -> PositionDetail:
    return _detail(service.get_position(_caller(), position_id))


@router.post(
    "/positions/<position_id>/close",
    summary="Close one of the caller's positions (both legs, by the close saga). Idempotent: a "
    "position closing, closed or failed is answered as it is; one still opening closes once open",
    responses=route_responses(PositionSummary, "the position, as the close left it", 401, 404, 405, 409),
)
def close(position_id: str) -> PositionSummary:
    return PositionSummary.of(service.close_position(_caller(), position_id, USER_CLOSE))


@router.post(
    "/positions/close-all",
    summary="Emergency close of every position: the strategy is paused first (user_close_all), then "
    "each position not closed yet is closed by its close saga. Idempotent: a repeat starts nothing "
    "new and answers the same closes. While the kill switch is engaged: paused, nothing closed (409)",
    responses=route_responses(
        CloseAllResponse, "the strategy's pause and the positions closing", 401, 405, 409
    ),
)
def close_all() -> CloseAllResponse:
    strategy, closing = service.close_all(_caller())
    return CloseAllResponse(
        paused=strategy.paused,
        paused_reason=strategy.paused_reason,
        positions=[PositionSummary.of(p) for p in closing],
    )
