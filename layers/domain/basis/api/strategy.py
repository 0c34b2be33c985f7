"""``/api/v1/strategy``: the caller's strategy (seed 7.1.2: stored or the defaults, edited under
optimistic locking, C5), its pause and resume (7.4.1) and its risk status (7.4.4)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import current_principal
from basis.api.strategy_schemas import RiskStatusResponse, StrategyResponse, StrategyUpdateRequest
from basis.risk import controls, manager
from basis.strategy import store as strategies
from basis.strategy.config import Strategy

router = APIGatewayRouter()


def _answer(strategy: Strategy) -> StrategyResponse:
    return StrategyResponse.model_validate(strategy.as_json())


def _caller() -> str:
    return current_principal(router.current_event).user_id


@router.get(
    "/strategy",
    summary="The caller's strategy: as stored, or the defaults (version 0)",
    responses=route_responses(StrategyResponse, "the strategy", 400, 401, 405),
)
def get_strategy() -> StrategyResponse:
    return _answer(strategies.get(_caller()))


@router.put(
    "/strategy",
    summary="Replace the caller's strategy (every parameter) if it is still at `version`; outside "
    "the system's caps: 400 naming each field and its limit; another version: 409 whose "
    "`error.current` is the strategy now",
    responses=route_responses(StrategyResponse, "the strategy as stored", 400, 401, 405, 409, 413, 415),
)
def put_strategy(body: StrategyUpdateRequest) -> StrategyResponse:
    return _answer(controls.update(_caller(), body.parameters(), expected_version=body.version))


@router.post(
    "/strategy/pause",
    summary="Pause the caller's strategy (no new entry; open positions stay open)",
    responses=route_responses(StrategyResponse, "the strategy, paused", 400, 401, 405, 413, 415),
)
def pause_strategy() -> StrategyResponse:
    return _answer(controls.pause(_caller()))


@router.post(
    "/strategy/resume",
    summary="Resume the caller's strategy; 409 while the platform's kill switch is engaged",
    responses=route_responses(StrategyResponse, "the strategy, resumed", 400, 401, 405, 409, 413, 415),
)
def resume_strategy() -> StrategyResponse:
    return _answer(controls.resume(_caller()))


@router.get(
    "/strategy/risk-status",
    summary="The caller's bot status, pause reason, drawdown, trades today, failure streak and "
    "when the next entry may happen",
    responses=route_responses(RiskStatusResponse, "the risk status", 400, 401, 405),
)
def risk_status() -> RiskStatusResponse:
    status = manager.risk_status(_caller(), datetime.now(UTC))
    return RiskStatusResponse.model_validate(
        {name: str(value) if isinstance(value, Decimal) else value for name, value in asdict(status).items()}
    )
