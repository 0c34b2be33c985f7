"""The strategy store on DynamoDB Local: defaults, optimistic locking (C5), pauses, the cooldown
captured at close (N6) and the sparse index the scan fan-out reads."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from basis.strategy import store
from basis.strategy.config import StrategyParameters
from basis.strategy.store import StaleStrategyError
from local.runtime.stack import LocalStack

ON = replace(StrategyParameters(), enabled=True)


@pytest.fixture
def user(stack: LocalStack) -> str:
    return f"did:privy:strategy-{uuid.uuid4().hex[:10]}"


def test_a_user_who_never_saved_gets_the_defaults_at_version_0(user: str) -> None:
    strategy = store.get(user)
    assert (strategy.version, strategy.parameters, strategy.paused) == (0, StrategyParameters(), False)


def test_save_round_trips_exactly_and_bumps_the_version(user: str) -> None:
    wanted = replace(
        ON, min_funding_rate_8hr=Decimal("0.0123"), take_profit_pct=Decimal("7.5"), protocols=("kamino",)
    )
    saved = store.save(user, wanted, expected_version=0)
    assert saved.version == 1
    assert store.get(user).parameters == wanted  # Decimals exact, tuples back as tuples


def test_a_stale_version_is_refused_with_the_current_strategy(user: str) -> None:
    store.save(user, ON, expected_version=0)
    with pytest.raises(StaleStrategyError) as stale:
        store.save(user, replace(ON, cooldown_minutes=60), expected_version=0)
    assert stale.value.current.version == 1
    assert stale.value.details["current_version"] == stale.value.details["current"]["version"] == 1
    assert stale.value.details["current"]["cooldown_minutes"] == 30
    assert store.get(user).parameters.cooldown_minutes == 30


def test_concurrent_saves_at_one_version_one_wins(user: str) -> None:
    store.save(user, ON, expected_version=0)

    def attempt(minutes: int) -> int | None:
        try:
            return store.save(user, replace(ON, cooldown_minutes=minutes), expected_version=1).version
        except StaleStrategyError:
            return None

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(10, 18)))
    assert sorted(r for r in results if r is not None) == [2]
    assert store.get(user).version == 2


def test_pause_keeps_the_first_reason_and_resume_clears_it(user: str) -> None:
    store.save(user, ON, expected_version=0)
    store.pause(user, "drawdown")
    again = store.pause(user, "user_requested")
    assert (again.paused, again.paused_reason, again.active) == (True, "drawdown", False)
    resumed = store.resume(user)
    assert (resumed.paused, resumed.paused_reason, resumed.active) == (False, None, True)


def test_pausing_a_user_who_never_saved_stores_the_defaults_paused(user: str) -> None:
    paused = store.pause(user, "kill_switch")
    assert paused.version == 1 and paused.parameters == StrategyParameters() and paused.paused


def test_a_pause_makes_an_edit_against_the_older_version_stale(user: str) -> None:
    store.save(user, ON, expected_version=0)
    store.pause(user, "consecutive_failures")
    with pytest.raises(StaleStrategyError) as stale:
        store.save(user, ON, expected_version=1)
    assert stale.value.current.paused_reason == "consecutive_failures"


def test_the_cooldown_at_close_is_the_one_set_at_that_time(user: str) -> None:
    store.save(user, replace(ON, cooldown_minutes=120), expected_version=0)
    closed_at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    store.record_close(user, closed_at)
    current = store.get(user)
    store.save(user, replace(ON, cooldown_minutes=5), expected_version=current.version)
    after = store.get(user)
    assert (after.last_close_time, after.cooldown_at_close, after.parameters.cooldown_minutes) == (
        closed_at,
        120,
        5,
    )


def test_a_close_is_noted_once(user: str) -> None:
    store.save(user, ON, expected_version=0)
    closed_at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    noted = store.record_close(user, closed_at)
    assert store.record_close(user, closed_at).version == noted.version  # the same close again
    assert store.record_close(user, closed_at - timedelta(minutes=1)).version == noted.version  # older
    later = store.record_close(user, closed_at + timedelta(minutes=1))
    assert (later.version, later.last_close_time) == (noted.version + 1, closed_at + timedelta(minutes=1))


def test_a_close_without_auto_reopen_pauses_until_the_user_resumes(user: str) -> None:
    store.save(user, replace(ON, auto_reopen=False), expected_version=0)
    closed = store.record_close(user, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert (closed.paused, closed.paused_reason, closed.active) == (True, store.NO_REOPEN, False)
    assert user not in set(store.active_users())
    assert store.resume(user).active
    reopening = f"{user}-reopen"
    store.save(reopening, ON, expected_version=0)
    assert store.record_close(reopening, datetime(2026, 12, 1, 12, 0, tzinfo=UTC)).active


def test_active_users_are_the_enabled_unpaused_ones(user: str) -> None:
    users = {name: f"{user}-{name}" for name in ("on", "off", "paused", "resumed")}
    store.save(users["on"], ON, expected_version=0)
    store.save(users["off"], StrategyParameters(), expected_version=0)
    store.save(users["paused"], ON, expected_version=0)
    store.pause(users["paused"], "user_requested")
    store.save(users["resumed"], ON, expected_version=0)
    store.pause(users["resumed"], "user_requested")
    store.resume(users["resumed"])
    active = {u for u in store.active_users() if u.startswith(user)}
    assert active == {users["on"], users["resumed"]}


def _pauses_counted(out: str) -> list[tuple[str, float]]:
    """The ``StrategyPauses`` EMF lines written: (reason, value) each."""
    lines = [json.loads(line) for line in out.splitlines() if f'"{store.PAUSES_METRIC}"' in line]
    return [(line["reason"], *line[store.PAUSES_METRIC]) for line in lines]


def test_each_pause_that_takes_effect_is_counted_by_reason(
    user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store.save(user, replace(ON, auto_reopen=False), expected_version=0)
    capsys.readouterr()
    store.pause(user, "drawdown")
    store.pause(user, "user_requested")  # already paused: nothing changes, nothing counted
    store.resume(user)
    store.record_close(user, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert _pauses_counted(capsys.readouterr().out) == [("drawdown", 1.0), (store.NO_REOPEN, 1.0)]
