"""The signing layer's spend windows in memory, on a fake clock (``caps`` reads ``time`` through its
module, so both its clock and its waits are the fake's); the kill switch lifted (its flag is in
DynamoDB: a test engages it through ``kill_switch_engaged``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from basis.risk import kill_switch
from basis.signing import caps
from tests.unit.signing.fakes import Clock, MemoryWindows


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(caps, "time", SimpleNamespace(time=clock, sleep=lambda seconds: None))
    return clock


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> MemoryWindows:
    store = MemoryWindows()
    monkeypatch.setattr(caps.ledger, "read_window", store.read_window)
    monkeypatch.setattr(caps.ledger, "write_window", store.write_window)
    monkeypatch.setattr(caps.ledger, "unsettled_windows", store.unsettled_windows)
    monkeypatch.setattr(caps.ledger, "add_reservation", store.add_reservation)
    monkeypatch.setattr(caps.ledger, "append", store.append)
    return store


@pytest.fixture(autouse=True)
def kill_switch_engaged(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The kill switch as the signer's preflight reads it: lifted unless a test sets ``[0] = True``."""
    engaged = [False]
    monkeypatch.setattr(
        kill_switch,
        "recent",
        lambda along=None: kill_switch.KillSwitch(engaged[0], reason="test" if engaged[0] else None),
    )
    return engaged
