"""The position monitor on the local stack: the real monitor function (SQS event, per-user lease)
values the positions at the Hyperliquid and Asgard simulators and closes them through the hedge
close saga (moto's Step Functions); the schedule fans out only the users with positions to watch;
a proximity timer lives in DynamoDB, so a new container picks it up and fires after the window."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from basis.models import ControlFlag
from basis.monitor.settings import get_monitor_settings
from basis.positions import service
from basis.risk import manager
from basis.risk import store as risks
from basis.strategy import store as strategies
from basis.strategy.config import Strategy, StrategyParameters
from infra.catalog import SCHEDULES
from local.aws.lambdas import LocalLambdas
from local.runtime.stack import PREFIX, LocalStack
from tests.api_client import ApiClient
from tests.helpers import job_outcomes, sign_in, slot_tally, wait_for
from tests.integration.monitor.conftest import Market, invoke_monitor, open_hedge
from tests.integration.positions.conftest import asgard_positions, new_hedger, settled

MONITOR = next(s for s in SCHEDULES if s.name == "monitor")
ON = StrategyParameters(enabled=True, stop_loss_pct=Decimal(10))
WINDOW_SECONDS = 5


def outcomes(stack: LocalStack, user_id: str) -> list[str]:
    return job_outcomes(stack, "monitor", user_id)


def noted(user_id: str) -> Strategy | None:
    """The user's strategy once a close was noted on it."""
    strategy = strategies.get(user_id)
    return strategy if strategy.last_close_time is not None else None


@pytest.fixture
def short_window(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The proximity window at ``WINDOW_SECONDS`` (the functions run in this process)."""
    monkeypatch.setenv("BASIS_MONITOR_PROXIMITY_WINDOW_SECONDS", str(WINDOW_SECONDS))
    get_monitor_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_monitor_settings.cache_clear()


def test_a_stop_loss_is_closed_by_the_monitor_function(api_client: ApiClient, market: Market) -> None:
    stack = api_client.stack
    hedger = new_hedger(api_client)
    user = hedger.user_id
    strategies.save(user, replace(ON, auto_reopen=False), expected_version=0)
    position_id = open_hedge(user, mode="live")
    assert risks.get(user).watched and user in set(risks.watched_users())

    invoke_monitor(stack, user)  # calm: the position holds
    market.move(asgard=Decimal(130))  # the long loses 20 of the 100 put in; the short is unmoved
    invoke_monitor(stack, user)

    assert outcomes(stack, user) == ["held", "exited"]
    closed = settled(user, position_id, frozenset({"closed", "stuck_unwind"}))
    assert (closed.status, closed.close_reason) == ("closed", "stop_loss"), closed.error
    assert closed.realized_pnl_usd is not None and closed.realized_pnl_usd < Decimal(-15)
    assert [p["status"] for p in asgard_positions(stack, hedger)] == ["closed"]
    # The close is noted on the strategy (the saga's last write); without auto_reopen it is paused
    # there until the user resumes it.
    strategy = wait_for(lambda: noted(user))
    assert (strategy.last_close_time, strategy.cooldown_at_close) == (closed.closed_at, 30)
    assert (strategy.paused_reason, strategy.active) == (strategies.NO_REOPEN, False)
    assert manager.entry_block(user, strategy.last_close_time + timedelta(hours=1)) == manager.PAUSED
    # Nothing left to watch: the next turn unmarks the user, and the fan-out no longer lists them.
    invoke_monitor(stack, user)
    assert outcomes(stack, user)[-1] == "skipped:no_positions"
    assert not risks.get(user).watched and user not in set(risks.watched_users())


def test_a_drawdown_past_the_cap_pauses_the_strategy_and_the_hedge_stays_open(
    api_client: ApiClient, market: Market
) -> None:
    stack = api_client.stack
    hedger = new_hedger(api_client)
    user = hedger.user_id
    strategies.save(user, ON, expected_version=0)
    position_id = open_hedge(user, mode="live")

    invoke_monitor(stack, user)  # the first observation: Hyperliquid's ~1000 + the long's ~50
    [long] = asgard_positions(stack, hedger)
    equity = Decimal(long["equityNative"]) / 10**6
    peak = risks.get(user).peak_balance_usd
    account = stack.hyperliquid.state.account(hedger.evm_address)
    # the account value is the cash plus the short's unrealized PnL (cents at an unmoved mark)
    assert abs(peak - account.balance - equity) < 1 and equity > 40 and not strategies.get(user).paused
    with stack.hyperliquid.state.lock:  # the account loses 30 % of the balance; the hedge is unmoved
        account.balance -= peak * Decimal("0.3")
    invoke_monitor(stack, user)

    assert outcomes(stack, user) == ["held", "held"]  # judged as before: nothing to exit
    state, strategy = risks.get(user), strategies.get(user)
    assert (state.peak_balance_usd, state.drawdown_pct) == (peak, Decimal("30.00"))
    assert (strategy.paused_reason, manager.entry_block(user, datetime.now(UTC))) == (
        manager.DRAWDOWN,
        manager.PAUSED,
    )
    assert service.get_position(user, position_id).status == "open"
    assert [p["status"] for p in asgard_positions(stack, hedger)] == ["active"]


def test_a_paper_hedge_observes_no_balance(api_client: ApiClient, market: Market) -> None:
    user = sign_in(api_client.stack, "paper-balance")
    open_hedge(user)
    invoke_monitor(api_client.stack, user)
    state = risks.get(user)
    assert (state.peak_balance_usd, state.current_balance_usd) == (0, 0)


def test_a_proximity_timer_survives_a_cold_start_and_fires_after_the_window(
    api_client: ApiClient, market: Market, short_window: None
) -> None:
    stack = api_client.stack
    user = sign_in(stack, "proximity")
    strategies.save(user, ON, expected_version=0)
    position_id = open_hedge(user)  # paper: monitored and closed the same way
    # Both venues down to 115: the hedge holds its value, the long is 3.4 % from liquidation.
    market.move(hyperliquid=Decimal(115), asgard=Decimal(115))

    invoke_monitor(stack, user)
    [(key, started)] = risks.get(user).proximity_started.items()
    assert key == f"{user}:asgard_{position_id}"

    # Another container (a cold start: nothing in memory) before the window: the same timer.
    cold = LocalLambdas(PREFIX)
    invoke_monitor(stack, user, lambdas=cold)
    assert cold.containers("monitor_worker") == 1
    assert risks.get(user).proximity_started == {key: started}
    assert outcomes(stack, user) == ["held", "held"]

    time.sleep(max(0.0, (started + timedelta(seconds=WINDOW_SECONDS)).timestamp() - time.time()) + 0.1)
    invoke_monitor(stack, user, lambdas=LocalLambdas(PREFIX))
    assert outcomes(stack, user)[-1] == "exited"
    closed = settled(user, position_id, frozenset({"closed", "stuck_unwind"}))
    assert (closed.status, closed.close_reason) == ("closed", "asgard_liquidation_proximity")
    # auto_reopen (the default): the strategy stays on, the cooldown runs from the close.
    strategy = wait_for(lambda: noted(user))
    closed_at = strategy.last_close_time
    assert strategy.active and closed_at == closed.closed_at
    assert manager.entry_block(user, closed_at + timedelta(minutes=29)) == manager.COOLDOWN
    assert manager.entry_block(user, closed_at + timedelta(minutes=30)) is None
    # The position's timer goes with it.
    invoke_monitor(stack, user)
    assert risks.get(user).proximity_started == {}


def test_a_recovered_position_clears_its_timer(api_client: ApiClient, market: Market) -> None:
    stack = api_client.stack
    user = sign_in(stack, "recovers")
    position_id = open_hedge(user)
    market.move(hyperliquid=Decimal(115), asgard=Decimal(115))
    invoke_monitor(stack, user)
    assert set(risks.get(user).proximity_started) == {f"{user}:asgard_{position_id}"}
    market.move(hyperliquid=Decimal(150), asgard=Decimal(150))
    invoke_monitor(stack, user)
    assert risks.get(user).proximity_started == {}
    assert service.get_position(user, position_id).status == "open"


def test_the_schedule_queues_only_watched_users_and_counts_every_outcome(
    api_client: ApiClient, market: Market
) -> None:
    stack = api_client.stack
    watched = sign_in(stack, "watched")
    open_hedge(watched)
    never = sign_in(stack, "never")  # no position: never marked, never read by the fan-out
    done = sign_in(stack, "done")
    done_position = open_hedge(done)
    service.close_position(done, done_position, "test")
    settled(done, done_position, frozenset({"closed"}))

    assert stack.scheduler.fire(MONITOR).ok
    slot = ControlFlag.get("schedule#monitor", consistent_read=True).details.as_dict()["slot"]

    assert wait_for(lambda: outcomes(stack, watched)) == ["held"]
    assert wait_for(lambda: outcomes(stack, done)) == ["skipped:no_positions"]
    counts = wait_for(lambda: slot_tally("monitor", slot))
    assert counts["held"] >= 1 and counts["skipped:no_positions"] >= 1
    assert outcomes(stack, never) == []

    time.sleep(1.1)  # the next slot: the closed user is no longer queued
    assert stack.scheduler.fire(MONITOR).ok
    wait_for(lambda: len(outcomes(stack, watched)) == 2)
    assert outcomes(stack, done) == ["skipped:no_positions"]
