"""``flags.recent``: what the signer reads of the kill switch and the breaker is never older than
``RECENT_SECONDS`` (the age counted from before the read was sent), the flags asked ``along`` come
in the same call, and a change this container makes is not answered from the cache."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from basis.platform import flags


class Table:
    """``ControlFlag`` over a dict (``batch_get``; ``update`` engages); every batch read is logged."""

    state = details = SimpleNamespace(set=lambda value: value)

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.reads: list[list[str]] = []

    def batch_get(self, keys: list[str], consistent_read: bool = False) -> list[Any]:
        assert consistent_read
        self.reads.append(sorted(keys))
        return [
            SimpleNamespace(name=k, state=self.states[k], counter=0, until=None, details={})
            for k in keys
            if k in self.states
        ]

    def __call__(self, name: str) -> Any:
        return SimpleNamespace(update=lambda actions: self.states.__setitem__(name, "engaged"))


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Table:
    table = Table()
    monkeypatch.setattr(flags, "ControlFlag", table)
    monkeypatch.setattr(flags, "_recent", {})
    return table


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [100.0]
    monkeypatch.setattr(flags, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return now


def test_a_read_is_kept_for_less_than_one_second_then_read_again(table: Table, now: list[float]) -> None:
    assert flags.recent("kill", default_state="lifted").state == "lifted"
    table.states["kill"] = "engaged"  # another container engages it
    now[0] += 0.999
    assert flags.recent("kill", default_state="lifted").state == "lifted"
    now[0] += 0.001
    assert flags.recent("kill", default_state="lifted").state == "engaged"
    assert len(table.reads) == 2


def test_the_flags_along_come_in_the_same_call_and_are_then_kept(table: Table, now: list[float]) -> None:
    table.states["breaker"] = "open"
    flags.recent("kill", default_state="lifted", along={"breaker": "closed"})
    assert flags.recent("breaker", default_state="closed").state == "open"
    assert table.reads == [["breaker", "kill"]]


def test_a_change_made_here_is_read_again(table: Table, now: list[float]) -> None:
    flags.recent("kill", default_state="lifted")
    flags.set_state("kill", "engaged", by="ops")
    assert flags.recent("kill", default_state="lifted").state == "engaged"
    assert len(table.reads) == 2
