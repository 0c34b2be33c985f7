"""What the hedge sagas' steps share: their input, the position a step moves, each leg's venue
(live or paper), starting a saga, the realized PnL, the stuck end, and how a step is run."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pydantic import BaseModel, Field

from basis.platform.errors import ConfigurationError, NotFoundError, TransientError
from basis.platform.observability import METRICS_NAMESPACE, logger
from basis.positions import store
from basis.positions.settings import get_position_settings
from basis.positions.store import PositionRecord, StaleVersionError

STUCK_METRIC = "StuckUnwinds"


class StepInput(BaseModel):
    """A Task state's payload (both hedge sagas)."""

    step: str = Field(
        pattern=r"^(open_short|open_long|finish_open|unwind|close_long|close_short|finish_close|stuck)$"
    )
    user_id: str = Field(min_length=1)
    position_id: str = Field(min_length=1)
    error: dict[str, str] | None = None


class UnknownPositionError(NotFoundError, code="position_not_found"):
    """No position with this id for this user (another user's id included)."""


class LegVenue(Protocol):
    """A leg at its venue (``basis.positions.legs``) or simulated (``basis.positions.paper``)."""

    side: str

    def resolve(self, position: PositionRecord) -> PositionRecord:
        """A leg whose order may have reached its venue: open or failed, nothing sent."""
        ...

    def open(self, position: PositionRecord) -> PositionRecord: ...

    def close(self, position: PositionRecord) -> PositionRecord: ...


def load(step: StepInput) -> PositionRecord:
    position = store.get(step.user_id, step.position_id)
    if position is None:
        raise UnknownPositionError(f"no position {step.position_id} for user {step.user_id}")
    return position


def answer(position: PositionRecord) -> dict[str, Any]:
    return {"status": position.status, "short": position.short.status, "long": position.long.status}


def failure(step: StepInput) -> str:
    """The Catch's error, as the row records it."""
    error = step.error or {}
    return (error.get("Cause") or error.get("Error") or "saga step failed")[:500]


# -- the venues ----------------------------------------------------------------------------------
def short_venue(position: PositionRecord) -> LegVenue:
    from basis.platform.config import get_settings

    if position.paper:  # read-only: nothing can be signed
        from basis.positions.paper import PaperShort
        from basis.venues.hyperliquid.trader import HyperliquidTrader

        return PaperShort(HyperliquidTrader(str(get_settings().hyperliquid_api_url), None, ""))
    from basis.positions.legs import HyperliquidShort
    from basis.venues.context import UserTradingContext

    return HyperliquidShort(UserTradingContext.from_user_id(position.user_id).get_hl_trader())


def long_venue(position: PositionRecord) -> LegVenue:
    from basis.platform.config import get_settings

    if position.paper:
        from basis.positions.paper import PaperLong
        from basis.venues.asgard.client import AsgardReader

        return PaperLong(AsgardReader(str(get_settings().asgard_api_url)))
    from basis.positions.legs import AsgardLong
    from basis.venues.context import UserTradingContext

    return AsgardLong(UserTradingContext.from_user_id(position.user_id).get_asgard_manager())


def venue(position: PositionRecord, side: str) -> LegVenue:
    return short_venue(position) if side == "short" else long_venue(position)


def leg_step(action: str, side: str, while_status: str) -> Callable[[StepInput], dict[str, Any]]:
    """The step that ``open``s or ``close``s the ``side`` leg while the position is ``while_status``
    (a re-run after the saga moved on acts on nothing and answers the row)."""

    def step(event: StepInput) -> dict[str, Any]:
        position = load(event)
        if position.status != while_status:
            return answer(position)
        leg = venue(position, side)
        return answer(leg.open(position) if action == "open" else leg.close(position))

    step.__name__ = f"{action}_{side}"
    return step


# -- starting a saga -----------------------------------------------------------------------------
def start(kind: str, position: PositionRecord) -> None:
    """Start the ``open`` or ``close`` saga of ``position`` (execution name = position id: a second
    start of the same saga is refused by Step Functions and ignored here)."""
    from basis.platform.aws import client

    settings = get_position_settings()
    machine = settings.hedge_open_saga_arn if kind == "open" else settings.hedge_close_saga_arn
    if machine is None:
        raise ConfigurationError(
            f"BASIS_HEDGE_{kind.upper()}_SAGA_ARN is not set: this function cannot {kind}"
        )
    sfn = client("stepfunctions")
    with contextlib.suppress(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(
            stateMachineArn=machine,
            name=position.position_id,
            input=json.dumps({"user_id": position.user_id, "position_id": position.position_id}),
        )


# -- the end of a saga ---------------------------------------------------------------------------
def realized_pnl(position: PositionRecord) -> Decimal:
    """Both legs' realized PnL: the short's closed PnL and funding less its fees; the long's
    proceeds less the collateral put in (its interest and price move are in the proceeds)."""
    short, long = position.short, position.long
    pnl = Decimal(0)
    if short.status == "closed":
        pnl += (short.closed_pnl_usd or 0) + (short.funding_usd or 0) - (short.fees_usd or 0)
    if long.status == "closed":
        pnl += (long.proceeds_usd or 0) - (long.collateral_usd or 0)
    return pnl


def stuck(step: StepInput) -> dict[str, Any]:
    """An unwind or a close that could not finish: ``stuck_unwind``, alarmed, never re-entered."""
    position = load(step)
    if position.status in store.FINAL:
        return answer(position)
    detail = failure(step)
    position = store.update(position, status="stuck_unwind", detail=detail, error=detail)
    with single_metric(
        name=STUCK_METRIC, unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE
    ) as metric:
        metric.add_dimension("mode", position.mode)
    logger.error(
        "hedge stuck: a person must finish it",
        extra={
            "position_id": position.position_id,
            "short": position.short.status,
            "long": position.long.status,
        },
    )
    return answer(position)


# -- running a step ------------------------------------------------------------------------------
def transient(exc: Exception) -> bool:
    """Whether ``exc`` means "not now": the row moved under the step, or a venue is down for now
    (``venue_unavailable``); the state machine retries the step (which re-reads the row and asks
    the venues what became of what it recorded)."""
    from basis.venues.transient import venue_unavailable

    return isinstance(exc, StaleVersionError) or venue_unavailable(exc)


def run(steps: Mapping[str, Callable[[StepInput], dict[str, Any]]], step: StepInput) -> dict[str, Any]:
    """Run ``step``; a transient failure is raised as ``TransientError`` (the ASL retries it); any
    other error (``LegRefusedError`` above all) goes to the step's Catch."""
    try:
        return steps[step.step](step)
    except TransientError:
        raise
    except Exception as exc:
        if transient(exc):
            raise TransientError(f"{type(exc).__name__}: {exc}"[:500]) from exc
        raise
