"""One user's monitor turn (seed 7.2.4): every open position judged, the exits started.

1. the kill switch (read once per batch): ``skipped:kill_switch``, nothing judged (the platform
   signs nothing while it is engaged, so no close could finish);
2. the user's positions, read consistently: none left that is not final, the user is unmarked
   (``basis.risk.store.unwatch``, only if nothing was marked since the risk row was read) and the
   outcome is ``skipped:no_positions``;
3. the user's balance observed for the risk manager's drawdown (``basis.monitor.balance``: once
   per turn, when the user has a live position and none is opening or closing; paper has no real
   balance): a drawdown pause only pauses the strategy, the positions are judged and closed as before;
4. each open position valued (``basis.positions.valuation``: both venues, live or paper) and judged
   (``basis.monitor.exits``) on the user's strategy, the slot's market and the proximity timers;
5. the timers written back in one conditional write when they changed (those of positions no longer
   open dropped), BEFORE any close starts;
6. each exit started (``basis.positions.service.close_position``, idempotent, its reason the
   position's close reason), the kill switch read again first; a close that cannot start is a
   failure for the risk manager's consecutive-failure breaker (``record_failure``) and the other
   positions still get theirs.

The answer is one outcome name (``basis.monitor.outcomes``) and the exits started, by reason.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime

from basis.monitor import balance, exits, proximity, turns
from basis.monitor.exits import Judgement, Limits, Readings
from basis.monitor.outcomes import CLOSE, EXITED, HELD, NO_POSITIONS, UNVALUED
from basis.platform.observability import logger
from basis.positions import service, store, valuation
from basis.positions.store import PositionRecord
from basis.positions.valuation import Valuation
from basis.risk import kill_switch, manager
from basis.risk import store as risks
from basis.risk.tracking import RiskState
from basis.scan.market import MarketSnapshot
from basis.scheduling.slots import failed, skipped
from basis.strategy import store as strategies
from basis.strategy.config import Strategy


def _positions(user_id: str) -> list[PositionRecord]:
    return service.list_positions(user_id, consistent=True)


@dataclass(frozen=True)
class Ports:
    """What the worker reads and calls: the real stores, venues and services by default."""

    turn: Callable[[str, str], AbstractContextManager[str | None]] = turns.user_turn
    kill_switch_engaged: Callable[[], bool] = kill_switch.engaged
    risk_state: Callable[[str], RiskState] = risks.get
    positions: Callable[[str], list[PositionRecord]] = _positions
    strategy: Callable[[str], Strategy] = strategies.get
    value: Callable[[PositionRecord], Valuation] = valuation.value
    change_proximity: Callable[[str, Callable[[RiskState], RiskState | None]], RiskState] = (
        risks.change_proximity
    )
    unwatch: Callable[[str, int], bool] = risks.unwatch
    close: Callable[[str, str, str], PositionRecord] = service.close_position
    record_failure: Callable[[str], object] = manager.record_failure
    observe_balance: Callable[[str], None] = balance.observe
    limits: Callable[[], Limits] = Limits.from_settings


@dataclass
class Turn:
    """What one user's turn did: its outcome and the exits it started (reasons)."""

    outcome: str
    exits: list[str] = field(default_factory=list)


def readings(position: PositionRecord, value: Valuation | None, market: MarketSnapshot | None) -> Readings:
    """What the valuation (None: it failed) and the slot's market tell of ``position``."""
    asset = market.assets.get(position.asset) if market is not None else None
    carry = exits.carry_now(asset, position.leverage)
    if value is None:
        return Readings(carry_apy=carry)
    return Readings(
        pnl_usd=value.unrealized_pnl.value,
        capital_usd=exits.capital_usd(position),
        carry_apy=carry,
        health_factor=value.health_factor.value,
        margin_ratio=value.margin_ratio.value,
    )


def _value(position: PositionRecord, ports: Ports) -> Valuation | None:
    try:
        return ports.value(position)
    except Exception:  # the valuation answers what it could read: this is anything else
        logger.exception("position not valued", extra={"position_id": position.position_id})
        return None


def _judge_all(
    user_id: str,
    open_positions: list[PositionRecord],
    market: MarketSnapshot | None,
    now: datetime,
    ports: Ports,
    state: RiskState,
) -> tuple[dict[str, Judgement], dict[str, datetime]]:
    """Each open position's judgement, and the user's timers after them (only the open ones')."""
    parameters = ports.strategy(user_id).parameters
    limits = ports.limits()
    kept = {key for position in open_positions for key in proximity.keys(position)}
    timers = {key: at for key, at in state.proximity_started.items() if key in kept}
    judged = {
        p.position_id: exits.judge(p, readings(p, _value(p, ports), market), parameters, timers, now, limits)
        for p in open_positions
    }
    return judged, timers


def _save_timers(user_id: str, timers: dict[str, datetime], state: RiskState, ports: Ports) -> None:
    if timers == dict(state.proximity_started):
        return

    def change(current: RiskState) -> RiskState | None:
        # Only this user's timers, as this turn judged them (the turn holds the user's lease).
        return (
            None if dict(current.proximity_started) == timers else replace(current, proximity_started=timers)
        )

    ports.change_proximity(user_id, change)


def evaluate(
    user_id: str, market: MarketSnapshot | None, now: datetime, ports: Ports, *, kill_switch_on: bool
) -> Turn:
    if kill_switch_on:
        return Turn(skipped(manager.KILL_SWITCH))
    state = ports.risk_state(user_id)  # read BEFORE the positions: its marks guard the unwatch
    positions = ports.positions(user_id)
    if all(p.status in store.FINAL for p in positions):
        ports.unwatch(user_id, state.watch_marks)
        return Turn(skipped(NO_POSITIONS))
    open_positions = [p for p in positions if p.status == "open"]
    if balance.observable(positions):
        ports.observe_balance(user_id)
    judged, timers = _judge_all(user_id, open_positions, market, now, ports, state)
    _save_timers(user_id, timers, state, ports)
    turn = Turn(HELD)
    if any(j.unknown and j.exit is None for j in judged.values()):
        turn.outcome = failed(UNVALUED)
    leaving = [(p, j.exit) for p in open_positions if (j := judged[p.position_id]).exit is not None]
    if leaving and ports.kill_switch_engaged():  # engaged since the batch began: nothing can close
        logger.warning("exits not started: the kill switch is engaged", extra={"user_id": user_id})
        return Turn(skipped(manager.KILL_SWITCH))
    for position, reason in leaving:
        assert reason is not None
        extra = {"user_id": user_id, "position_id": position.position_id, "reason": reason}
        try:
            ports.close(user_id, position.position_id, reason)
        except Exception:
            logger.exception("exit not started", extra=extra)
            ports.record_failure(user_id)
            turn.outcome = failed(CLOSE)
            continue
        logger.info("exit started", extra={**extra, "unknown": list(judged[position.position_id].unknown)})
        turn.exits.append(reason)
        if turn.outcome != failed(CLOSE):
            turn.outcome = EXITED
    return turn
