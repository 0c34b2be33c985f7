"""Each user's risk limits (seed 7.3), as the scan worker, the position monitor and the sagas meet them.

* ``entry_block(user_id, now)``: the one question before any entry, the reason entries are blocked
  now (or None): the kill switch, a paused or disabled strategy, the cooldown after a close (N6),
  the daily trade limit;
* ``record_trade`` takes one of the day's trades (20 a UTC day, ``CAPS.max_daily_trades``): call it
  before starting an entry; False means the day's limit was reached and nothing may start;
* ``record_failure`` / ``record_success``: ``CAPS.breaker_failures`` failures in a row pause the
  strategy (``consecutive_failures``); a success ends the streak;
* ``observe_balance``: the balance read from the venues; past ``CAPS.max_drawdown_pct`` of drawdown
  the strategy is paused (``drawdown``). While one of the user's deposits or withdrawals is in
  flight the venues' balance and the peak disagree by its amount, so the observation waits;
* ``deposit_credited`` / ``withdrawal_completed`` move the peak (N7, G13) once per transfer; the
  sagas call them BEFORE they mark the transfer settled, so the transfer is in flight for as long
  as the peak accounts for it and the balance may not yet.

A risk pause only pauses the strategy: it never closes an open position. Every change is a read and
a write conditional on the version read (``basis.risk.store``): concurrent workers lose nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from basis.platform.observability import logger
from basis.risk import kill_switch, tracking
from basis.risk import store as risks
from basis.risk.tracking import RiskState
from basis.strategy import store as strategies
from basis.strategy.config import Strategy
from basis.strategy.limits import CAPS
from basis.transfers import store as transfers
from basis.transfers.store import TransferRecord

# Why entries are blocked (``entry_block``), in the order they are checked.
KILL_SWITCH, PAUSED, DISABLED, COOLDOWN, DAILY_LIMIT = (
    "kill_switch",
    "paused",
    "disabled",
    "cooldown",
    "daily_limit",
)
# Pause reasons the risk manager sets (shown on risk-status).
DRAWDOWN, CONSECUTIVE_FAILURES = "drawdown", "consecutive_failures"
# Where a deposit or a withdrawal ends: anything else is still moving money.
SETTLED_STAGES = frozenset({"hl_credited", "completed", "failed", "rejected"})
CLOCK_SKEW = timedelta(seconds=30)  # between the containers that stamp transfers and read balances


def next_entry_at(strategy: Strategy) -> datetime | None:
    """When the cooldown after the last close ends (None: no close yet): the minutes set at the
    close (N6: lowering them afterwards does not shorten it), never under the system minimum."""
    if strategy.last_close_time is None:
        return None
    minutes = strategy.cooldown_at_close
    if minutes is None:
        minutes = strategy.parameters.cooldown_minutes
    return strategy.last_close_time + timedelta(minutes=max(minutes, CAPS.min_cooldown_minutes))


def trades_left(user_id: str, now: datetime, state: RiskState | None = None) -> int:
    """Trades the user may still make on ``now``'s UTC day."""
    state = state or risks.get(user_id)
    return max(CAPS.max_daily_trades - state.trades_on(tracking.utc_day(now)), 0)


def entry_block(
    user_id: str,
    now: datetime,
    *,
    strategy: Strategy | None = None,
    kill_switch_engaged: bool | None = None,
) -> str | None:
    """Why the user may not enter a position at ``now``, or None when nothing blocks it.

    ``strategy`` and ``kill_switch_engaged``, when the caller already read them (once per batch for
    the switch), save those reads; the daily count is read only when nothing else blocks.
    """
    if kill_switch.engaged() if kill_switch_engaged is None else kill_switch_engaged:
        return KILL_SWITCH
    strategy = strategy or strategies.get(user_id)
    if strategy.paused:
        return PAUSED
    if not strategy.parameters.enabled:
        return DISABLED
    eligible = next_entry_at(strategy)
    if eligible is not None and now < eligible:
        return COOLDOWN
    if trades_left(user_id, now) <= 0:
        return DAILY_LIMIT
    return None


def record_trade(user_id: str, now: datetime) -> bool:
    """Take one of the day's trades (call it before starting an entry); False, nothing counted,
    when the day's limit was reached: the entry must not start."""
    return risks.take_trade(user_id, tracking.utc_day(now), CAPS.max_daily_trades)


def record_failure(user_id: str) -> RiskState:
    """One more failure in a row; at ``CAPS.breaker_failures`` the strategy is paused."""
    state = risks.add_failure(user_id)
    if state.consecutive_failures >= CAPS.breaker_failures:
        _pause(user_id, CONSECUTIVE_FAILURES, failures=state.consecutive_failures)
    return state


def record_success(user_id: str) -> None:
    """The failure streak ends."""
    risks.clear_failures(user_id)


def observe_balance(user_id: str, balance_usd: Decimal, observed_at: datetime) -> RiskState:
    """The user's balance on the venues as read at ``observed_at`` (read the clock BEFORE the
    venues): Hyperliquid account value plus the Asgard positions' equity, the measure deposits and
    withdrawals move. Past the drawdown cap the strategy is paused (``drawdown``).

    Not judged (the state as it is) while a deposit or withdrawal is in flight or settled after
    ``observed_at``: the balance and the peak disagree by its amount until both account for it."""
    if not isinstance(balance_usd, Decimal):
        raise TypeError(f"a balance is a Decimal, never a float: got {balance_usd!r}")
    if any(_moving(t, observed_at) for t in transfers.list_for_user(user_id)):
        return risks.get(user_id)
    state = risks.change_balances(user_id, lambda s: tracking.observed(s, balance_usd))
    if state.drawdown_past(CAPS.max_drawdown_pct):
        _pause(user_id, DRAWDOWN, drawdown_pct=str(state.drawdown_pct))
    return state


def _moving(transfer: TransferRecord, observed_at: datetime) -> bool:
    settled_at = transfer.updated_at or transfer.created_at
    return (
        transfer.stage not in SETTLED_STAGES or settled_at is None or settled_at >= observed_at - CLOCK_SKEW
    )


def deposit_credited(transfer: TransferRecord) -> None:
    """A deposit reached Hyperliquid: the peak rises by its amount (once per transfer)."""
    risks.change_balances(
        transfer.user_id, lambda s: tracking.deposited(s, transfer.transfer_id, transfer.amount_usdc)
    )


def withdrawal_completed(transfer: TransferRecord) -> None:
    """A withdrawal left Hyperliquid: the peak scales by the balance that remains (once per transfer)."""
    risks.change_balances(
        transfer.user_id, lambda s: tracking.withdrew(s, transfer.transfer_id, transfer.amount_usdc)
    )


def _pause(user_id: str, reason: str, **facts: str | int) -> None:
    strategy = strategies.pause(user_id, reason)
    if strategy.paused_reason == reason:
        logger.warning(
            "strategy paused by the risk manager", extra={"user_id": user_id, "reason": reason, **facts}
        )


@dataclass(frozen=True)
class RiskStatus:
    bot_status: str  # active | paused | inactive
    paused_reason: str | None
    paused_at: datetime | None
    kill_switch_engaged: bool
    drawdown_pct: Decimal
    max_drawdown_pct: Decimal
    peak_balance_usd: Decimal
    current_balance_usd: Decimal
    trades_today: int
    daily_limit: int
    consecutive_failures: int
    failure_limit: int
    next_entry_at: datetime | None  # when the cooldown after the last close ends


def risk_status(user_id: str, now: datetime) -> RiskStatus:
    strategy, state = strategies.get(user_id), risks.get(user_id)
    eligible = next_entry_at(strategy)
    return RiskStatus(
        bot_status="paused" if strategy.paused else "active" if strategy.active else "inactive",
        paused_reason=strategy.paused_reason,
        paused_at=strategy.paused_at,
        kill_switch_engaged=kill_switch.engaged(),
        drawdown_pct=state.drawdown_pct,
        max_drawdown_pct=CAPS.max_drawdown_pct,
        peak_balance_usd=state.peak_balance_usd,
        current_balance_usd=state.current_balance_usd,
        trades_today=state.trades_on(tracking.utc_day(now)),
        daily_limit=CAPS.max_daily_trades,
        consecutive_failures=state.consecutive_failures,
        failure_limit=CAPS.breaker_failures,
        next_entry_at=eligible if eligible is not None and eligible > now else None,
    )
