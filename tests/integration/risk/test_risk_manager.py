"""The risk manager on DynamoDB Local: the daily trade limit under concurrent workers, the
consecutive-failure breaker, drawdown against a peak that deposits and withdrawals move (N7), and
the one question the scan asks before an entry (``entry_block``)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from basis.risk import controls, manager
from basis.risk import store as risks
from basis.strategy import store as strategies
from basis.strategy.config import StrategyParameters
from basis.transfers import store as transfers
from basis.transfers.store import TransferRecord
from local.runtime.stack import LocalStack

ON = replace(StrategyParameters(), enabled=True)
NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
D = Decimal
LATER = datetime.now(UTC) + timedelta(minutes=5)  # balances read after the test's transfers settled


@pytest.fixture
def user(stack: LocalStack) -> str:
    user_id = f"did:privy:risk-{uuid.uuid4().hex[:10]}"
    strategies.save(user_id, ON, expected_version=0)
    return user_id


def settled(user_id: str, kind: str, amount: str) -> TransferRecord:
    """A deposit or withdrawal as its saga's last step sees it."""
    transfer, _ = transfers.create(user_id, uuid.uuid4().hex, kind, amount)
    return transfers.advance(transfer, "hl_credited" if kind == "deposit" else "completed")


def test_concurrent_workers_take_at_most_the_daily_limit(user: str) -> None:
    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda _: manager.record_trade(user, NOON), range(25)))
    assert taken.count(True) == 20 and risks.get(user).daily_trade_count == 20
    assert manager.trades_left(user, NOON) == 0
    assert manager.entry_block(user, NOON) == manager.DAILY_LIMIT
    midnight = NOON.replace(hour=0) + timedelta(days=1)
    assert manager.trades_left(user, midnight - timedelta(microseconds=1)) == 0
    assert manager.trades_left(user, midnight) == 20 and manager.entry_block(user, midnight) is None
    assert manager.record_trade(user, midnight) and risks.get(user).daily_trade_count == 1


def test_three_failures_in_a_row_pause_the_strategy_and_a_success_ends_the_streak(user: str) -> None:
    manager.record_failure(user)
    manager.record_failure(user)
    manager.record_success(user)
    manager.record_failure(user)
    manager.record_failure(user)
    assert not strategies.get(user).paused
    assert manager.record_failure(user).consecutive_failures == 3
    paused = strategies.get(user)
    assert (paused.paused, paused.paused_reason) == (True, manager.CONSECUTIVE_FAILURES)
    assert manager.entry_block(user, NOON) == manager.PAUSED


def test_drawdown_past_the_cap_pauses_the_strategy(user: str) -> None:
    manager.deposit_credited(settled(user, "deposit", "1000"))
    manager.observe_balance(user, D("1200"), LATER)  # a gain: the peak follows
    assert manager.observe_balance(user, D("960"), LATER).drawdown_pct == D("20.00")
    assert not strategies.get(user).paused  # at the cap, not past it
    state = manager.observe_balance(user, D("959.99"), LATER)
    assert (state.peak_balance_usd, state.drawdown_pct) == (D("1200"), D("20.00"))
    assert strategies.get(user).paused_reason == manager.DRAWDOWN  # 20.0008 %: shown 20.00, past 20


def test_a_withdrawal_is_not_a_drawdown_and_a_rerun_moves_the_peak_once(user: str) -> None:
    deposit = settled(user, "deposit", "1000")
    manager.deposit_credited(deposit)
    manager.deposit_credited(deposit)  # the saga step ran again
    withdrawal = settled(user, "withdrawal", "600")
    manager.withdrawal_completed(withdrawal)
    manager.withdrawal_completed(withdrawal)
    state = manager.observe_balance(user, D("400"), LATER)
    assert (state.peak_balance_usd, state.current_balance_usd, state.drawdown_pct) == (D(400), D(400), 0)
    assert not strategies.get(user).paused


def test_while_a_transfer_is_in_flight_the_balance_is_not_judged(user: str) -> None:
    manager.deposit_credited(settled(user, "deposit", "1000"))
    in_flight, _ = transfers.create(user, uuid.uuid4().hex, "withdrawal", "500")
    transfers.advance(in_flight, "hl_withdraw_sent")
    # Hyperliquid already paid the 500 out; the withdrawal is not completed: not a 50 % loss.
    assert manager.observe_balance(user, D("500"), LATER).current_balance_usd == D(1000)
    assert not strategies.get(user).paused


def test_a_balance_read_before_a_transfer_settled_is_not_judged(user: str) -> None:
    before = datetime.now(UTC)
    manager.deposit_credited(settled(user, "deposit", "1000"))
    # Read before the deposit landed: 0 of a 1000 peak is no 100 % loss.
    assert manager.observe_balance(user, D(0), before).current_balance_usd == D(1000)
    assert not strategies.get(user).paused


def test_a_float_balance_is_refused(user: str) -> None:
    with pytest.raises(TypeError):
        manager.observe_balance(user, 1000.0, LATER)  # type: ignore[arg-type]


def test_entry_block_says_why_in_order(user: str) -> None:
    assert manager.entry_block(user, NOON) is None
    assert manager.entry_block(user, NOON, kill_switch_engaged=True) == manager.KILL_SWITCH
    strategies.record_close(user, NOON)  # cooldown 30 min, set at the close
    current = strategies.get(user)
    strategies.save(user, replace(ON, cooldown_minutes=5), expected_version=current.version)
    assert manager.entry_block(user, NOON + timedelta(minutes=29)) == manager.COOLDOWN  # N6
    assert manager.entry_block(user, NOON + timedelta(minutes=30)) is None
    current = strategies.get(user)
    strategies.save(user, StrategyParameters(), expected_version=current.version)
    assert manager.entry_block(user, NOON + timedelta(hours=1)) == manager.DISABLED
    strategies.pause(user, "user_requested")
    assert manager.entry_block(user, NOON + timedelta(hours=1)) == manager.PAUSED


def test_the_cooldown_never_runs_under_the_system_minimum(user: str) -> None:
    strategy = replace(strategies.get(user), last_close_time=NOON, cooldown_at_close=1)
    assert manager.next_entry_at(strategy) == NOON + timedelta(minutes=5)
    assert manager.entry_block(user, NOON + timedelta(minutes=4), strategy=strategy) == manager.COOLDOWN


def test_another_user_is_untouched(user: str) -> None:
    other = f"{user}-other"
    strategies.save(other, ON, expected_version=0)
    for _ in range(3):
        manager.record_failure(user)
    manager.record_trade(user, NOON)
    assert risks.get(other) == risks.get(other).__class__(other)
    assert not strategies.get(other).paused and manager.entry_block(other, NOON) is None


def test_risk_status_reports_every_number(user: str) -> None:
    manager.deposit_credited(settled(user, "deposit", "1000"))
    manager.observe_balance(user, D("850"), LATER)
    manager.record_trade(user, NOON)
    manager.record_failure(user)
    strategies.record_close(user, NOON)
    status = manager.risk_status(user, NOON + timedelta(minutes=10))
    assert (status.bot_status, status.paused_reason, status.kill_switch_engaged) == ("active", None, False)
    assert (status.drawdown_pct, status.peak_balance_usd, status.current_balance_usd) == (15, 1000, 850)
    assert (status.trades_today, status.daily_limit) == (1, 20)
    assert (status.consecutive_failures, status.failure_limit) == (1, 3)
    assert status.next_entry_at == NOON + timedelta(minutes=30)
    assert manager.risk_status(user, NOON + timedelta(minutes=31)).next_entry_at is None


def test_resuming_after_a_risk_pause_accepts_what_caused_it(user: str) -> None:
    manager.deposit_credited(settled(user, "deposit", "1000"))
    manager.observe_balance(user, D("700"), LATER)
    assert strategies.get(user).paused_reason == manager.DRAWDOWN
    assert controls.resume(user).active
    assert (risks.get(user).peak_balance_usd, risks.get(user).drawdown_pct) == (D(700), 0)
    manager.observe_balance(user, D("690"), LATER)  # measured from 700 now: 1.43 %
    assert not strategies.get(user).paused

    for _ in range(3):
        manager.record_failure(user)
    assert strategies.get(user).paused_reason == manager.CONSECUTIVE_FAILURES
    controls.resume(user)
    assert risks.get(user).consecutive_failures == 0
    manager.record_failure(user)  # a new streak starts at one
    assert not strategies.get(user).paused
