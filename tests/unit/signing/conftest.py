"""The signing layer's spend windows in memory, on a fake clock (``caps`` reads ``time`` through its
module, so both its clock and its waits are the fake's)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

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
    return store
