"""How ``PrivyWalletSigner`` settles what a send moves against the strict caps, whatever fails around
the send: a scripted Privy, an in-memory breaker, the spend windows in memory and one fake clock for
the caps, the retry waits and the signer's deadline. A USDC transfer to the bridge moves its amount."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal
from typing import Any

import pytest
from pynamodb.exceptions import UpdateError

from basis.policies.settings import PolicySettings
from basis.privy.client import TIMEOUT_SECONDS
from basis.signing import caps
from basis.signing import signer as signer_module
from basis.signing.errors import OutcomeUnknownError, SigningError, SpendCapExceededError, StaleNonceError
from basis.signing.settings import SigningSettings
from basis.signing.signer import PrivyWalletSigner
from tests.unit.signing.fakes import (
    Clock,
    FakeBreaker,
    MemoryWindows,
    ScriptedWallets,
    Step,
    status_error,
    timeout_error,
)
from tools import policy_requests

USER = "did:privy:u1"
USDC = 1_000_000


@pytest.fixture(autouse=True)
def quiet_telemetry(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    recorded: list[Any] = []
    monkeypatch.setattr(signer_module.telemetry, "record", lambda event, **_: recorded.append(event))
    return recorded


def deposit(amount: int) -> dict[str, Any]:
    return {**policy_requests.deposit(amount)["transaction"], "chain_id": 42161, "nonce": 0}


def make_signer(
    clock: Clock,
    *script: Step,
    breaker: Any = None,
    stall: float = 0.0,
    policy_settings: PolicySettings | None = None,
    **settings: Any,
) -> tuple[PrivyWalletSigner, ScriptedWallets]:
    """A signer whose waits move ``clock`` on (by ``stall`` more than asked: a stalled worker)."""
    wallets = ScriptedWallets(*script)

    def sleep(seconds: float) -> None:
        clock.now += seconds + stall

    signer = PrivyWalletSigner(
        USER,
        "w1",
        "0xabc",
        "ethereum",
        breaker=breaker or FakeBreaker(),
        settings=SigningSettings(**{"retry_jitter": 0, **settings}),
        policy_settings=policy_settings,
        wallet_service=wallets,
        authorization_key="",
        sleep=sleep,
        clock=clock,
    )
    return signer, wallets


def used(asset: str = "USDC") -> caps.Usage:
    return caps.usage(USER, asset)


# -- defect 1: a reservation lives as long as the signer may still be sending ------------------------
def test_a_reservation_lives_for_the_whole_retry_budget(
    windows: MemoryWindows, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow: dict[str, Any] = {
        "retry_attempts": 10,
        "retry_base_delay": 5.0,
        "retry_max_delay": 30.0,
        "retry_jitter": 0.2,
    }
    budget = 10 * TIMEOUT_SECONDS + sum(min(30.0, 5.0 * 2**n) * 1.2 for n in range(9))
    leases: list[int] = []
    hold = caps.hold

    def spy(*args: Any, **kwargs: Any) -> list[caps.Hold]:
        leases.append(kwargs["lease_seconds"])
        return hold(*args, **kwargs)

    monkeypatch.setattr(signer_module.caps, "hold", spy)
    signer, _ = make_signer(clock, "0xhash", **slow)
    signer.send_eth_transaction(deposit(10 * USDC))
    assert leases and leases[0] >= math.ceil(budget) > 120


def test_a_worker_stalled_past_its_reservation_does_not_try_again(
    windows: MemoryWindows, clock: Clock
) -> None:
    signer, wallets = make_signer(clock, status_error(503, {}), "0xhash", stall=3600)
    with pytest.raises(OutcomeUnknownError):  # the 503 may have been broadcast
        signer.send_eth_transaction(deposit(25_000 * USDC), idempotency_key="transfer-1")
    assert len(wallets.bodies) == 1  # no second try once its reservation may have lapsed
    assert used().total == 25_000 * USDC  # and what may have moved still counts


# -- defect 2: one idempotency key, one spend ----------------------------------------------------
def test_redriving_an_unknown_outcome_with_its_key_counts_the_spend_once(
    windows: MemoryWindows, clock: Clock
) -> None:
    signer, wallets = make_signer(clock, *[status_error(503, {})] * 3, "0xhash")
    with pytest.raises(OutcomeUnknownError):
        signer.send_eth_transaction(deposit(1_000 * USDC), idempotency_key="transfer-7")
    assert used().unresolved == 1_000 * USDC  # it may be on chain: counted until reconciled
    # The saga re-drives with the same key: Privy answers it once, and the ledger counts it once.
    assert signer.send_eth_transaction(deposit(1_000 * USDC), idempotency_key="transfer-7") == "0xhash"
    assert used().total == 1_000 * USDC
    assert wallets.idempotency_keys == ["transfer-7"] * 4


def test_a_redrive_is_not_refused_by_the_spend_it_already_counts(
    windows: MemoryWindows, clock: Clock
) -> None:
    daily = PolicySettings(max_usdc_daily=Decimal(25_000))
    signer, _ = make_signer(clock, *[status_error(503, {})] * 3, "0xhash", policy_settings=daily)
    with pytest.raises(OutcomeUnknownError):
        signer.send_eth_transaction(deposit(25_000 * USDC), idempotency_key="transfer-8")
    assert signer.send_eth_transaction(deposit(25_000 * USDC), idempotency_key="transfer-8") == "0xhash"
    assert used().total == 25_000 * USDC


# -- defect 3: once a try may have broadcast, the outcome stays unknown -----------------------------
@pytest.mark.parametrize(
    "definitive",
    [
        status_error(400, {"error": "EVM RPC eth_sendRawTransaction: nonce too low"}),
        status_error(400, {"error": "Policy violation", "code": "policy_violation"}),
        status_error(404, {"error": "wallet not found"}),
    ],
)
@pytest.mark.parametrize("maybe_sent", [timeout_error(), status_error(500, {})])
def test_a_definitive_refusal_after_a_try_that_may_have_broadcast_is_still_an_unknown_outcome(
    windows: MemoryWindows, clock: Clock, maybe_sent: Exception, definitive: Exception
) -> None:
    signer, wallets = make_signer(clock, maybe_sent, definitive)
    with pytest.raises(OutcomeUnknownError) as caught:
        signer.send_eth_transaction(deposit(100 * USDC), idempotency_key="transfer-3")
    assert caught.value.idempotency_key == "transfer-3" and len(wallets.bodies) == 2
    assert used().unresolved == 100 * USDC  # the first try may be on chain: it stays counted


def test_a_definitive_refusal_of_a_send_that_was_never_processed_frees_its_reservation(
    windows: MemoryWindows, clock: Clock
) -> None:
    refused = status_error(400, {"error": "EVM RPC eth_sendRawTransaction: nonce too low"})
    signer, _ = make_signer(clock, status_error(429, {}), refused)
    with pytest.raises(StaleNonceError) as caught:  # nothing was sent: resend with a fresh nonce
        signer.send_eth_transaction(deposit(100 * USDC))
    assert caught.value.retriable and not isinstance(caught.value, OutcomeUnknownError)
    assert used().total == 0


def test_an_unexpected_error_around_a_send_is_an_unknown_outcome(
    windows: MemoryWindows, clock: Clock
) -> None:
    # e.g. Privy answered 200 and broadcast, but its answer could not be read
    signer, wallets = make_signer(clock, ValueError("unreadable answer"))
    with pytest.raises(OutcomeUnknownError):
        signer.send_eth_transaction(deposit(100 * USDC))
    assert len(wallets.bodies) == 1 and used().unresolved == 100 * USDC


# -- defect 4: the breaker's and telemetry's own failures never lose a broadcast -------------------
class UnwritableBreaker(FakeBreaker):
    """The breaker's DynamoDB item cannot be read or written (``broken``: which calls fail)."""

    def __init__(self, *broken: str) -> None:
        super().__init__()
        self.broken = set(broken)

    def _fail(self, call: str) -> None:
        if call in self.broken:
            raise UpdateError("Failed to update item: ProvisionedThroughputExceededException")

    def before_call(self) -> None:
        self._fail("before_call")
        super().before_call()

    def record_success(self) -> None:
        self._fail("record_success")
        super().record_success()

    def record_failure(self) -> None:
        self._fail("record_failure")
        super().record_failure()


def test_a_breaker_write_failing_after_privy_broadcast_keeps_the_hash_and_the_spend(
    windows: MemoryWindows, clock: Clock, quiet_telemetry: list[Any]
) -> None:
    signer, _ = make_signer(clock, "0xhash", breaker=UnwritableBreaker("record_success"))
    assert signer.send_eth_transaction(deposit(100 * USDC)) == "0xhash"
    assert used().committed == 100 * USDC
    assert [e.result for e in quiet_telemetry] == ["success"]


def test_a_breaker_write_failing_after_a_failed_try_does_not_end_the_retries(
    windows: MemoryWindows, clock: Clock
) -> None:
    signer, wallets = make_signer(
        clock, status_error(503, {}), "0xhash", breaker=UnwritableBreaker("record_failure")
    )
    assert signer.send_eth_transaction(deposit(100 * USDC)) == "0xhash"
    assert len(wallets.bodies) == 2 and used().committed == 100 * USDC


def test_an_unreadable_breaker_after_a_try_that_may_have_broadcast_is_an_unknown_outcome(
    windows: MemoryWindows, clock: Clock
) -> None:
    breaker = UnwritableBreaker()

    def lose_dynamodb() -> BaseException:
        breaker.broken.add("before_call")
        return timeout_error()

    signer, wallets = make_signer(clock, lose_dynamodb, "0xhash", breaker=breaker)
    with pytest.raises(OutcomeUnknownError):
        signer.send_eth_transaction(deposit(100 * USDC), idempotency_key="transfer-4")
    assert len(wallets.bodies) == 1 and used().unresolved == 100 * USDC


def test_an_unreadable_breaker_before_any_try_is_a_retriable_error_that_frees_the_cap(
    windows: MemoryWindows, clock: Clock
) -> None:
    signer, wallets = make_signer(clock, "0xhash", breaker=UnwritableBreaker("before_call"))
    with pytest.raises(SigningError) as caught:
        signer.send_eth_transaction(deposit(100 * USDC))
    assert caught.value.retriable and not isinstance(caught.value, OutcomeUnknownError)
    assert wallets.bodies == [] and used().total == 0


def test_a_telemetry_failure_after_a_broadcast_is_logged_not_raised(
    windows: MemoryWindows, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unwritable(event: Any, **_: Any) -> None:
        raise RuntimeError("CloudWatch / DynamoDB unavailable")

    monkeypatch.setattr(signer_module.telemetry, "record", unwritable)
    signer, _ = make_signer(clock, "0xhash")
    assert signer.send_eth_transaction(deposit(100 * USDC)) == "0xhash"
    assert used().committed == 100 * USDC


# -- defect 5: a signed spend stays counted whatever fails after it -------------------------------
def test_a_ledger_failure_after_a_signature_does_not_turn_it_into_an_error(
    windows: MemoryWindows, clock: Clock, quiet_telemetry: list[Any]
) -> None:
    def answer_then_lose_dynamodb() -> str:
        windows.fail_writes = 100
        return "0xsigned"

    signer, _ = make_signer(clock, answer_then_lose_dynamodb)
    assert signer.sign_eth_transaction(deposit(10 * USDC)) == "0xsigned"
    assert [e.result for e in quiet_telemetry] == ["success"]


def test_a_commit_that_fails_once_is_retried(windows: MemoryWindows, clock: Clock) -> None:
    def answer_then_fail_one_write() -> str:
        windows.fail_writes = 1
        return "0xhash"

    signer, _ = make_signer(clock, answer_then_fail_one_write)
    assert signer.send_eth_transaction(deposit(100 * USDC)) == "0xhash"
    assert used() == caps.Usage(committed=100 * USDC, reserved=0, unresolved=0)


def test_a_commit_that_keeps_failing_leaves_the_spend_counted_past_its_lease(
    windows: MemoryWindows, clock: Clock
) -> None:
    def answer_then_lose_dynamodb() -> str:
        windows.fail_writes = 100
        return "0xhash"

    signer, _ = make_signer(clock, answer_then_lose_dynamodb)
    assert signer.send_eth_transaction(deposit(100 * USDC)) == "0xhash"
    windows.fail_writes = 0  # DynamoDB is back, long after the reservation's lease
    clock.now += 24 * 3600
    assert used().unresolved == 100 * USDC
    with pytest.raises(SpendCapExceededError):
        caps.hold(USER, {"USDC": 49_901 * USDC}, {"USDC": 50_000 * USDC}, lease_seconds=60)


def test_a_request_whose_reservation_would_lapse_before_any_try_sends_nothing(
    windows: MemoryWindows, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer, wallets = make_signer(clock, "0xhash")
    slow_tries = dataclasses.replace(signer._attempts, attempt_seconds=10 * signer.request_seconds)
    monkeypatch.setattr(signer, "_attempts", slow_tries)
    with pytest.raises(SigningError) as caught:
        signer.send_eth_transaction(deposit(100 * USDC))
    assert caught.value.retriable and wallets.bodies == [] and used().total == 0
