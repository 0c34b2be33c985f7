"""The risk tracking store: one row per user (``RiskTracking``), shared by concurrent workers.

* the counters are single atomic updates: a trade is taken only while the day's count is under the
  limit (``take_trade``: 25 workers at once take exactly 20), failures are added and cleared in
  place, so no worker's update is lost;
* the balances (peak, current, the transfers applied) and the position monitor's proximity timers
  change by a read, a pure change (``basis.risk.tracking``, ``basis.monitor.proximity``) and a write
  conditional on the version read, retried when another worker wrote first;
* the watch (``watch`` / ``unwatch`` / ``watched_users``): a user is marked when one of their
  positions is about to open, and listed from the sparse ``by_watch`` index by the monitor's
  fan-out; the monitor unmarks a user it found without positions only if no mark came since it read
  the row (``watch_marks``), so a position opening meanwhile is never left unwatched.

Every write bumps the row's version, so a read-modify-write of any other part of the row (the
proximity timers) is refused and retried after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from basis.models import RiskTracking
from basis.platform.errors import TransientError
from basis.risk.tracking import RiskState

ATTEMPTS = 8  # optimistic retries racing other workers on the same user
WATCHED = "1"


def _state(item: RiskTracking) -> RiskState:
    return RiskState(
        user_id=item.user_id,
        peak_balance_usd=Decimal(item.peak_balance_usd or 0),
        current_balance_usd=Decimal(item.current_balance_usd or 0),
        daily_trade_count=int(item.daily_trade_count or 0),
        daily_trade_date=item.daily_trade_date,
        consecutive_failures=int(item.consecutive_failures or 0),
        applied_transfers=tuple(str(t) for t in item.applied_transfers or ()),
        proximity_started={str(key): datetime.fromisoformat(str(at)) for key, at in _timers(item).items()},
        watched=item.watch_flag == WATCHED,
        watch_marks=int(item.watch_marks or 0),
        version=int(item.version or 0),
    )


def _timers(item: RiskTracking) -> dict[str, Any]:
    """The raw map of proximity start times (ISO text by key)."""
    raw = item.proximity_started
    return raw.as_dict() if isinstance(raw, MapAttribute) else dict(raw or {})


def get(user_id: str) -> RiskState:
    """The user's risk state; all zero for a user nothing happened to yet."""
    try:
        return _state(RiskTracking.get(user_id, consistent_read=True))
    except DoesNotExist:
        return RiskState(user_id)


def _update(
    user_id: str, actions: list[Action], condition: Condition | None = None, *, at_version: int | None = None
) -> RiskState | None:
    """One update of the row (created if absent), bumping its version; given ``at_version``, only
    while the row is still at it (0: only while there is no row). None when a condition failed."""
    item = RiskTracking(user_id)
    # PynamoDB adds the version action: ADD 1 from a known version, SET 1 when there is none.
    if at_version is None or at_version:
        item.version = at_version or 0
    try:
        item.update(actions=actions, condition=condition, add_version_condition=at_version is not None)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return _state(item)


def take_trade(user_id: str, day: str, limit: int) -> bool:
    """Count one trade on ``day`` if fewer than ``limit`` were counted on it; False at the limit."""
    count, date = RiskTracking.daily_trade_count, RiskTracking.daily_trade_date
    for _ in range(ATTEMPTS):
        if _update(user_id, [count.add(1)], (date == day) & (count < limit)):
            return True
        if _update(user_id, [count.set(1), date.set(day)], date.does_not_exist() | (date != day)):
            return True  # the day's first
        if get(user_id).trades_on(day) >= limit:
            return False
    raise TransientError(f"the trade count of {user_id} kept changing under {ATTEMPTS} attempts; retry")


def add_failure(user_id: str) -> RiskState:
    state = _update(user_id, [RiskTracking.consecutive_failures.add(1)])
    assert state is not None  # unconditional
    return state


def clear_failures(user_id: str) -> None:
    """The failure streak ends (no write when there is none)."""
    _update(user_id, [RiskTracking.consecutive_failures.set(0)], RiskTracking.consecutive_failures > 0)


def change_balances(user_id: str, change: Callable[[RiskState], RiskState | None]) -> RiskState:
    """Apply ``change`` (None: nothing to change) to the peak, the balance and the applied transfers;
    the state after it."""
    return _change(
        user_id,
        change,
        lambda after: [
            RiskTracking.peak_balance_usd.set(after.peak_balance_usd),
            RiskTracking.current_balance_usd.set(after.current_balance_usd),
            RiskTracking.applied_transfers.set(list(after.applied_transfers)),
        ],
    )


def change_proximity(user_id: str, change: Callable[[RiskState], RiskState | None]) -> RiskState:
    """Apply ``change`` (None: nothing to change) to the proximity timers; the state after it."""
    return _change(
        user_id,
        change,
        lambda after: [
            RiskTracking.proximity_started.set(
                {k: at.isoformat() for k, at in after.proximity_started.items()}
            )
        ],
    )


def _change(
    user_id: str,
    change: Callable[[RiskState], RiskState | None],
    actions: Callable[[RiskState], list[Action]],
) -> RiskState:
    for _ in range(ATTEMPTS):
        before = get(user_id)
        after = change(before)
        if after is None:
            return before
        written = _update(user_id, actions(after), at_version=before.version)
        if written is not None:
            return written
    raise TransientError(f"the risk state of {user_id} kept changing under {ATTEMPTS} attempts; retry")


def watch(user_id: str) -> None:
    """Mark the user as having positions to watch (call it before a position can be open)."""
    _update(user_id, [RiskTracking.watch_flag.set(WATCHED), RiskTracking.watch_marks.add(1)])


def unwatch(user_id: str, marks: int) -> bool:
    """Unmark the user (and drop their proximity timers) if the marks are still ``marks``, the count
    read before finding no positions; False when a mark came since (or there was none to remove)."""
    flag, count = RiskTracking.watch_flag, RiskTracking.watch_marks
    condition = flag.exists() & ((count == marks) if marks else (count.does_not_exist() | (count == 0)))
    return _update(user_id, [flag.remove(), RiskTracking.proximity_started.set({})], condition) is not None


def watched_users() -> Iterator[str]:
    """The users with positions to watch, from the sparse ``by_watch`` index (never a table scan)."""
    for key in RiskTracking.by_watch.query(WATCHED):
        yield key.user_id
