"""The monitor's watch list and proximity timers in the risk row, on DynamoDB Local: a mark lists the
user in the sparse ``by_watch`` index; an unwatch based on an older count of marks is refused (a
position opening meanwhile is never left unwatched); the timers round-trip per user, and one user's
write never touches another's row."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from basis.risk import store as risks
from basis.risk.tracking import RiskState
from local.runtime.stack import LocalStack

T0 = datetime(2026, 12, 1, 12, 0, 5, 123456, tzinfo=UTC)


@pytest.fixture
def user(stack: LocalStack) -> str:
    return f"did:privy:watch-{uuid.uuid4().hex[:10]}"


def timers(started: dict[str, datetime]) -> Callable[[RiskState], RiskState]:
    def change(state: RiskState) -> RiskState:
        return replace(state, proximity_started=started)

    return change


def test_a_marked_user_is_listed_until_unwatched_with_the_marks_read(user: str) -> None:
    assert user not in set(risks.watched_users()) and not risks.get(user).watched
    risks.watch(user)
    assert user in set(risks.watched_users())
    read = risks.get(user)
    assert (read.watched, read.watch_marks) == (True, 1)
    risks.watch(user)  # another position opening after the monitor read the row
    assert not risks.unwatch(user, read.watch_marks)
    assert user in set(risks.watched_users())
    assert risks.unwatch(user, risks.get(user).watch_marks)
    assert user not in set(risks.watched_users()) and not risks.get(user).watched
    assert not risks.unwatch(user, 2)  # nothing left to remove


def test_an_unwatch_of_a_user_never_marked_writes_nothing(user: str) -> None:
    assert not risks.unwatch(user, 0)
    assert risks.get(user) == RiskState(user)


def test_timers_round_trip_and_go_with_the_unwatch(user: str) -> None:
    key = f"{user}:asgard_PDA1"
    risks.watch(user)
    risks.change_proximity(user, timers({key: T0}))
    assert risks.get(user).proximity_started == {key: T0}
    risks.change_proximity(user, timers({key: T0, f"{user}:hyperliquid_SOL": T0 + timedelta(seconds=3)}))
    assert len(risks.get(user).proximity_started) == 2
    assert risks.unwatch(user, risks.get(user).watch_marks)
    assert risks.get(user).proximity_started == {}


def test_one_users_timers_and_marks_never_touch_another(user: str) -> None:
    other = f"{user}-other"
    risks.watch(other)
    risks.change_proximity(other, timers({f"{other}:asgard_PDA1": T0}))
    before = risks.get(other)
    risks.watch(user)
    risks.change_proximity(user, timers({f"{user}:asgard_PDA1": T0}))
    risks.unwatch(user, risks.get(user).watch_marks)
    assert risks.get(other) == before and other in set(risks.watched_users())
