"""The control flag store: named platform-wide state shared by every container (the signing circuit
breaker, the kill switch, the schedules' heartbeats, per-signer nonce counters).

Every change is one atomic update; a conditional one answers False when it did not happen (another
container changed the flag first, or DynamoDB refused the write) instead of overwriting anything.

``get`` is one consistent read. ``recent`` answers from what this container read at most
``RECENT_SECONDS`` ago (the age counted from before the read was sent), reading what it lacks, and the
flags it is asked to bring ``along``, in one consistent ``BatchGetItem``: the signer's kill switch and
breaker cost one call per second per container, not one per signature. Every change this module makes
drops the flag from that cache once made (a container sees its own changes; another's within
``RECENT_SECONDS``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from basis.models import ControlFlag
from basis.models.base import utcnow


@dataclass(frozen=True)
class Flag:
    name: str
    state: str
    counter: int
    until: float | None
    details: dict[str, Any] = field(default_factory=dict)


def _flag(item: ControlFlag) -> Flag:
    until = None if item.until is None else float(item.until)
    raw: Any = item.details or {}
    details = dict(raw.as_dict() if hasattr(raw, "as_dict") else raw)
    return Flag(item.name, item.state, int(item.counter or 0), until, details)


def get(name: str, *, default_state: str) -> Flag:
    try:
        return _flag(ControlFlag.get(name, consistent_read=True))
    except DoesNotExist:
        return Flag(name, default_state, 0, None)


RECENT_SECONDS = 1.0
_recent: dict[str, tuple[float, Flag]] = {}  # name -> (monotonic time the read was sent, flag)


def recent(name: str, *, default_state: str, along: Mapping[str, str] | None = None) -> Flag:
    """The flag as read at most ``RECENT_SECONDS`` ago; when that read is older, it is read again
    with every stale flag of ``along`` (name -> default state) in one consistent batch."""
    now = time.monotonic()
    kept = _recent.get(name)
    if kept is not None and now - kept[0] < RECENT_SECONDS:
        return kept[1]
    wanted = {name: default_state} | {
        other: state
        for other, state in (along or {}).items()
        if other not in _recent or now - _recent[other][0] >= RECENT_SECONDS
    }
    found = {item.name: _flag(item) for item in ControlFlag.batch_get(list(wanted), consistent_read=True)}
    for key, state in wanted.items():
        _recent[key] = (now, found.get(key) or Flag(key, state, 0, None))
    return _recent[name][1]


def _changed(name: str) -> None:
    """This container changed the flag: its next ``recent`` reads it."""
    _recent.pop(name, None)


def move(name: str, *, to_state: str, until: float, if_state: str, if_until: float | None = None) -> bool:
    """Set ``state`` and ``until`` if the flag is still in ``if_state`` (and, given ``if_until``,
    still has that ``until``); False when it did not happen."""
    condition = ControlFlag.state == if_state
    if if_until is not None:
        condition &= ControlFlag.until == if_until
    try:
        ControlFlag(name).update(
            actions=[ControlFlag.state.set(to_state), ControlFlag.until.set(until)], condition=condition
        )
    except UpdateError:
        return False
    finally:
        _changed(name)
    return True


def reset(name: str, *, state: str, if_state: str | None = None) -> bool:
    """Back to ``state`` with the counter at zero and no ``until`` (given ``if_state``, only if the
    flag is still in it); False when it did not happen."""
    try:
        ControlFlag(name).update(
            actions=[ControlFlag.state.set(state), ControlFlag.counter.set(0), ControlFlag.until.remove()],
            condition=None if if_state is None else ControlFlag.state == if_state,
        )
    except UpdateError:
        if if_state is None:
            raise
        return False
    finally:
        _changed(name)
    return True


def count(name: str, *, default_state: str) -> Flag:
    """Add one to the counter (creating the flag in ``default_state``); the flag after the update."""
    item = ControlFlag(name)
    try:
        item.update(
            actions=[ControlFlag.counter.add(1), ControlFlag.state.set(ControlFlag.state | default_state)]
        )
    finally:
        _changed(name)
    return _flag(item)


def raise_counter(name: str, *, at_least: int) -> int:
    """Move the counter to ``max(at_least, counter + 1)`` atomically and return it: every call, from
    any container, gets a value above every earlier one (a conditional set to ``at_least`` while the
    counter is below it, else an atomic add)."""
    item = ControlFlag(name)
    try:
        item.update(
            actions=[ControlFlag.counter.set(at_least)],
            condition=ControlFlag.counter.does_not_exist() | (ControlFlag.counter < at_least),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        item.update(actions=[ControlFlag.counter.add(1)])
        return int(item.counter)
    return at_least


def set_state(name: str, state: str, **details: str) -> None:
    """Put the flag in ``state`` with ``details`` (replacing the earlier ones; last writer wins)."""
    try:
        ControlFlag(name).update(actions=[ControlFlag.state.set(state), ControlFlag.details.set(details)])
    finally:
        _changed(name)


def record_run(name: str, state: str, **facts: object) -> None:
    """Mark the flag ``state``, count the run and keep when it happened with ``facts`` (last wins)."""
    ControlFlag(name).update(
        actions=[
            ControlFlag.state.set(state),
            ControlFlag.counter.add(1),
            ControlFlag.details.set({"last_run_at": utcnow().isoformat(), **facts}),
        ]
    )


# Two passes: another writer may start our slot between our add and our start of it.
TALLY_PASSES = 2


def _conditional_failed(error: UpdateError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


def _added(path: Any, counts: Mapping[str, int]) -> list[Any]:
    return [path[key].set((path[key] | 0) + value) for key, value in counts.items()]


def tally(name: str, slot: str, counts: Mapping[str, int]) -> bool:
    """Add ``counts`` to the flag's tally of ``slot`` (slots sort by time: ISO timestamps).

    The flag keeps the latest slot's tally and the one before (``previous_tally``); the first writer
    of a newer slot moves the current tally there. Counts of an older slot still go to
    ``previous_tally`` when it is that slot; older ones are dropped (False)."""
    item = ControlFlag(name)
    current, previous = ControlFlag.tally, ControlFlag.previous_tally
    attempts: list[tuple[list[Any], Any]] = [
        (_added(current, counts), current["slot"] == slot),
        (
            [previous.set(current | {}), current.set({"slot": slot, **counts})],
            current["slot"].does_not_exist() | (current["slot"] < slot),
        ),
        (_added(previous, counts), previous["slot"] == slot),
    ]
    for _ in range(TALLY_PASSES):
        for actions, condition in attempts:
            try:
                item.update(actions=actions, condition=condition)
            except UpdateError as exc:
                if not _conditional_failed(exc):
                    raise
                continue
            return True
    return False


def tallies(name: str) -> tuple[dict[str, Any], ...]:
    """The flag's tallies (``{"slot": ..., "<what>": n}``), the current slot's first."""
    try:
        item = ControlFlag.get(name, consistent_read=True)
    except DoesNotExist:
        return ()
    return tuple(dict(kept.as_dict()) for kept in (item.tally, item.previous_tally) if kept is not None)
