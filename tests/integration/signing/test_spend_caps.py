"""Strict rolling caps (G2, G3) against DynamoDB Local: no interleaving of concurrent requests can
pass a cap, and the ledger always sums to exactly what was committed."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from basis.signing import caps as spend_caps
from basis.signing import ledger
from basis.signing.caps import CapExceededError
from local.runtime.stack import LocalStack

USDC = 1_000_000  # base units per USDC


def user() -> str:
    return f"did:privy:cap-{uuid.uuid4().hex[:10]}"


def test_forty_parallel_2000_usdc_requests_against_a_50000_cap(stack: LocalStack) -> None:
    user_id, cap, amount = user(), 50_000 * USDC, 2_000 * USDC

    def attempt(_: int) -> bool:
        try:
            reservation = spend_caps.reserve(user_id, "USDC", amount, cap)
        except CapExceededError:
            return False
        spend_caps.commit(user_id, "USDC", reservation, amount)
        return True

    with ThreadPoolExecutor(max_workers=40) as pool:
        signed = sum(pool.map(attempt, range(40)))
    assert signed == 25  # exactly as many as fit, never more
    used = spend_caps.usage(user_id, "USDC")
    assert used.committed == signed * amount and used.reserved == 0


def test_released_reservations_free_the_cap_and_failures_are_not_counted(stack: LocalStack) -> None:
    user_id = user()
    held = spend_caps.reserve(user_id, "SOL", 7, cap=10)
    with pytest.raises(CapExceededError) as caught:
        spend_caps.reserve(user_id, "SOL", 4, cap=10)
    assert (caught.value.used, caught.value.amount, caught.value.cap) == (7, 4, 10)
    spend_caps.release(user_id, "SOL", held)
    assert spend_caps.usage(user_id, "SOL").total == 0
    spend_caps.reserve(user_id, "SOL", 10, cap=10)


def test_a_lapsed_reservation_keeps_counting_and_its_commit_counts_once(stack: LocalStack) -> None:
    user_id = user()
    reservation = spend_caps.reserve(user_id, "SPL", 5, cap=10, lease_seconds=1)
    time.sleep(1.2)  # the signer stalled past its lease: the money may have moved
    with pytest.raises(CapExceededError):
        spend_caps.reserve(user_id, "SPL", 6, cap=10)
    assert spend_caps.usage(user_id, "SPL") == spend_caps.Usage(committed=0, reserved=0, unresolved=5)
    spend_caps.commit(user_id, "SPL", reservation, 5)
    spend_caps.commit(user_id, "SPL", reservation, 5)  # a retried commit
    assert spend_caps.usage(user_id, "SPL") == spend_caps.Usage(committed=5, reserved=0, unresolved=0)


def test_spend_leaves_the_window_after_24_hours(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    user_id, start = user(), 1_800_000_000.0
    monkeypatch.setattr(spend_caps.time, "time", lambda: start)
    spend_caps.commit(user_id, "USDC", spend_caps.reserve(user_id, "USDC", 10, cap=10), 10)
    monkeypatch.setattr(spend_caps.time, "time", lambda: start + 23.9 * 3600)
    with pytest.raises(CapExceededError):
        spend_caps.reserve(user_id, "USDC", 1, cap=10)
    monkeypatch.setattr(spend_caps.time, "time", lambda: start + 25 * 3600 + 1)
    spend_caps.reserve(user_id, "USDC", 10, cap=10)


def test_caps_are_per_user_and_per_asset(stack: LocalStack) -> None:
    alice, bob = user(), user()
    spend_caps.reserve(alice, "USDC", 10, cap=10)
    spend_caps.reserve(bob, "USDC", 10, cap=10)
    spend_caps.reserve(alice, "SOL", 10, cap=10)
    with pytest.raises(CapExceededError):
        spend_caps.reserve(alice, "USDC", 1, cap=10)


def test_non_positive_amounts_are_refused(stack: LocalStack) -> None:
    with pytest.raises(ValueError, match="positive"):
        spend_caps.reserve(user(), "USDC", 0, cap=10)


def test_the_index_key_stays_at_or_before_the_first_lease_to_end(stack: LocalStack) -> None:
    user_id = user()
    spend_caps.reserve(user_id, "USDC", 1, cap=10, lease_seconds=3600)  # a deposit's long hold
    short = spend_caps.reserve(user_id, "USDC", 1, cap=10, lease_seconds=60)  # then a signature's
    window = ledger.read_window(user_id, "USDC")
    assert window.indexed == window.reservations[short]["expires"] == ledger.settle_by(window)


def test_a_window_a_commit_left_in_the_index_leaves_it_when_the_reconciler_lists(stack: LocalStack) -> None:
    user_id = user()
    spend_caps.commit(user_id, "SOL", spend_caps.reserve(user_id, "SOL", 1, cap=10), 1)  # made
    held = spend_caps.hold(user_id, {"SOL": 2}, {"SOL": 10}, lease_seconds=1)  # one update
    assert spend_caps.settle(user_id, held, "sent", row=event(user_id))  # one transaction
    due = time.time() + 3600
    assert user_id in ledger.unsettled_windows("SOL", due_by=int(due))  # keyed by a settled lease
    assert [u for u in spend_caps.unsettled(due) if u.user_id == user_id] == []
    assert user_id not in ledger.unsettled_windows("SOL", due_by=int(due))
    assert spend_caps.usage(user_id, "SOL") == spend_caps.Usage(committed=3, reserved=0, unresolved=0)


def test_a_window_written_before_it_had_a_total_is_counted_from_its_maps(stack: LocalStack) -> None:
    user_id = user()
    spend_caps.commit(user_id, "USDC", spend_caps.reserve(user_id, "USDC", 8, cap=10), 8)
    legacy = ledger.read_window(user_id, "USDC")
    legacy_item = ledger.SpendWindow.get(user_id, "USDC")
    legacy_item.update(actions=[ledger.SpendWindow.total.remove()], add_version_condition=False)
    with pytest.raises(CapExceededError):
        spend_caps.reserve(user_id, "USDC", 3, cap=10)
    spend_caps.reserve(user_id, "USDC", 2, cap=10)
    assert legacy.hourly == ledger.read_window(user_id, "USDC").hourly
    assert spend_caps.usage(user_id, "USDC").total == 10


def event(user_id: str) -> ledger.SigningEvent:
    return ledger.SigningEvent(user_id, "w1", None, "solana", "signAndSendTransaction", None, "success", 1.0)
