"""One user's scan (seed 7.2), in the order the checks are made:

1. the risk manager's entry block (``basis.risk.manager.entry_block``): the kill switch (read once
   per batch), the user's pause, a disabled strategy, the cooldown after a close (N6), the day's
   trade limit. Consecutive failures pause the strategy, so they block as ``paused``;
2. positions not closed against ``max_concurrent_positions`` (never above ``CAPS.max_positions``);
3. the entry criteria (``basis.scan.criteria``) on the slot's market;
4. the size (``basis.scan.sizing``): under the system minimum, ``balance_too_low``;
5. the entry (``basis.scan.entry``): the kill switch read again, one of the day's trades taken
   (``record_trade``), then the positions service starts the hedge; a start that raises is a
   failure for the consecutive-failure breaker (``record_failure``).

Whatever happens, the answer is one outcome name (``basis.scan.outcomes``); nothing raises out of
here but a bug's exception, which the consumer turns into ``failed:error``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from basis.platform.observability import logger
from basis.risk import kill_switch, manager
from basis.scan import criteria, entry, sizing, turns
from basis.scan.entry import Positions
from basis.scan.market import MarketSnapshot
from basis.scan.outcomes import (
    BALANCE_TOO_LOW,
    BALANCE_UNAVAILABLE,
    ENTERED,
    ENTRY_READY,
    MAX_POSITIONS,
    OPEN_POSITION,
    failed,
    skipped,
)
from basis.strategy import store as strategies
from basis.strategy.config import Strategy, StrategyParameters
from basis.strategy.limits import CAPS


@dataclass(frozen=True)
class Ports:
    """What the worker reads and calls; the defaults are the real stores and services, except the
    positions service, which the handler wires (None: nothing is counted or started)."""

    positions: Positions | None = None
    turn: Callable[[str, str], AbstractContextManager[str | None]] = turns.user_turn
    strategy: Callable[[str], Strategy] = strategies.get
    kill_switch_engaged: Callable[[], bool] = kill_switch.engaged
    entry_block: Callable[..., str | None] = manager.entry_block
    record_trade: Callable[[str, datetime], bool] = manager.record_trade
    record_failure: Callable[[str], object] = manager.record_failure
    balance: Callable[[str, StrategyParameters], Decimal] = sizing.balance


def evaluate(
    user_id: str, slot: str, market: MarketSnapshot, now: datetime, ports: Ports, *, kill_switch_on: bool
) -> str:
    strategy = ports.strategy(user_id)
    block = ports.entry_block(user_id, now, strategy=strategy, kill_switch_engaged=kill_switch_on)
    if block is not None:
        return skipped(block)
    parameters = strategy.parameters
    if ports.positions is not None:
        limit = min(parameters.max_concurrent_positions, CAPS.max_positions)
        if ports.positions.open_count(user_id) >= limit:
            return skipped(MAX_POSITIONS)
    found = criteria.best(parameters, market)
    if isinstance(found, str):
        return skipped(found)
    try:
        balance = ports.balance(user_id, parameters)
    except sizing.BalanceUnavailableError as exc:
        logger.warning("balance not read: no entry", extra={"user_id": user_id, "error": exc.message})
        return failed(BALANCE_UNAVAILABLE)
    size = sizing.size_usd(balance, parameters.max_position_pct)
    if size is None:
        return skipped(BALANCE_TOO_LOW)
    decided = entry.entry(user_id, slot, parameters, found, size)
    if ports.positions is None:
        logger.info("entry ready: no positions service wired, nothing started", extra=decided.describe())
        return ENTRY_READY
    return _enter(decided, ports.positions, ports, now)


def _enter(decided: entry.Entry, positions: Positions, ports: Ports, now: datetime) -> str:
    if ports.kill_switch_engaged():  # engaged since the batch began: nothing starts
        return skipped(manager.KILL_SWITCH)
    if not ports.record_trade(decided.user_id, now):
        return skipped(manager.DAILY_LIMIT)
    try:
        positions.open(decided)
    except Exception:
        logger.exception("position not started", extra=decided.describe())
        ports.record_failure(decided.user_id)
        return failed(OPEN_POSITION)
    logger.info("position started", extra=decided.describe())
    return ENTERED
