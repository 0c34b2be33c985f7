"""The strict caps' bookkeeping (``basis.signing.caps``) over an in-memory spend-window store and a
fake clock: what a reservation counts for while it is held, once its lease ran out, and once settled."""

from __future__ import annotations

import pytest

from basis.signing import caps
from basis.signing.caps import CapExceededError
from tests.unit.signing.fakes import Clock, MemoryWindows

USDC = 1_000_000
CAP = 50_000 * USDC
USER = "did:privy:u1"


def test_a_reservation_whose_lease_ran_out_keeps_counting_and_its_late_commit_counts_once(
    windows: MemoryWindows, clock: Clock
) -> None:
    # A worker reserved 25,000, sent them, then stalled past its lease.
    stalled = caps.reserve(USER, "USDC", 25_000 * USDC, CAP, lease_seconds=120)
    clock.now += 121
    assert caps.usage(USER, "USDC").total == 25_000 * USDC  # may be on chain: still counted
    caps.reserve(USER, "USDC", 25_000 * USDC, CAP)
    with pytest.raises(CapExceededError):  # the next batch cannot pass the cap
        caps.reserve(USER, "USDC", 25_000 * USDC, CAP)
    caps.commit(USER, "USDC", stalled, 25_000 * USDC)  # the stalled worker resumes
    used = caps.usage(USER, "USDC")
    assert (used.committed, used.total) == (25_000 * USDC, 50_000 * USDC)
    caps.commit(USER, "USDC", stalled, 25_000 * USDC)  # and commits again: never counted twice
    assert caps.usage(USER, "USDC").total == 50_000 * USDC


def test_a_lapsed_reservation_counts_like_a_spend_unless_its_worker_releases_it(
    windows: MemoryWindows, clock: Clock
) -> None:
    lapsed = caps.reserve(USER, "USDC", 10 * USDC, CAP, lease_seconds=60)
    clock.now += 61
    assert caps.usage(USER, "USDC").unresolved == 10 * USDC
    clock.now += 23 * 3600
    assert caps.usage(USER, "USDC").unresolved == 10 * USDC
    clock.now += 2 * 3600  # like any spend, it leaves the rolling window after 24 to 25 hours
    assert caps.usage(USER, "USDC").total == 0
    late = caps.reserve(USER, "USDC", 10 * USDC, CAP, lease_seconds=60)
    clock.now += 61
    caps.release(USER, "USDC", late)  # its worker learned nothing was sent: it stops counting
    assert caps.usage(USER, "USDC").total == 0 and lapsed != late
