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


def test_an_unknown_outcome_stays_unresolved_until_it_is_resolved_either_way(
    windows: MemoryWindows, clock: Clock
) -> None:
    sent = caps.reserve(USER, "USDC", 10 * USDC, CAP, key="dep-sent")
    never = caps.reserve(USER, "USDC", 20 * USDC, CAP, key="dep-never")
    for reservation in (sent, never):
        caps.leave_unresolved(USER, "USDC", reservation)  # the send got no definitive answer
    clock.now += 48 * 60  # long past any lease: still counted, and listed for the reconciler
    assert caps.usage(USER, "USDC") == caps.Usage(committed=0, reserved=0, unresolved=30 * USDC)
    assert [(u.reservation, u.amount, caps.key_of(u.reservation)) for u in caps.unsettled()] == [
        (sent, 10 * USDC, "dep-sent"),
        (never, 20 * USDC, "dep-never"),
    ]
    caps.commit(USER, "USDC", sent, 10 * USDC)  # the chain has it
    caps.commit(USER, "USDC", sent, 10 * USDC)  # a second reconciler run: counted once
    caps.release(USER, "USDC", never)  # the chain shows it was never sent
    assert caps.usage(USER, "USDC") == caps.Usage(committed=10 * USDC, reserved=0, unresolved=0)
    assert caps.unsettled() == []


def test_the_unsettled_list_holds_leases_that_ran_out_not_live_ones(
    windows: MemoryWindows, clock: Clock
) -> None:
    live = caps.reserve("did:privy:live", "SOL", 5, 100, lease_seconds=600)
    stalled = caps.reserve("did:privy:stalled", "SOL", 7, 100, lease_seconds=60)
    clock.now += 61  # nothing was written since: the lapse shows when listed
    assert [(u.user_id, u.reservation, u.since) for u in caps.unsettled()] == [
        ("did:privy:stalled", stalled, int(clock.now) - 1)
    ]
    clock.now += 600
    assert {u.reservation for u in caps.unsettled()} == {live, stalled}


def test_a_reservation_drops_the_hours_that_left_the_window(windows: MemoryWindows, clock: Clock) -> None:
    caps.commit(USER, "USDC", caps.reserve(USER, "USDC", 10 * USDC, CAP), 10 * USDC)
    caps.commit(USER, "USDC", caps.reserve(USER, "USDC", 20 * USDC, CAP), 20 * USDC)
    writes = windows.writes
    caps.reserve(USER, "USDC", 1 * USDC, CAP)  # one update, nothing to drop
    assert windows.writes == writes + 1
    clock.now += 26 * 3600
    caps.reserve(USER, "USDC", 5 * USDC, CAP)  # one update, then the day-old hour is dropped
    stored = windows.items[(USER, "USDC")]
    assert windows.writes == writes + 3
    assert stored.hourly == {} and stored.committed == {} and stored.unresolved == {}  # all a day old
    assert caps.usage(USER, "USDC") == caps.Usage(committed=0, reserved=5 * USDC, unresolved=0)
