"""How ``PrivyWalletSigner`` settles what a send moves against the strict caps, whatever fails around
the send: a scripted Privy, an in-memory breaker, the spend windows in memory and one fake clock for
the caps, the retry waits and the signer's deadline. A USDC transfer to the bridge moves its amount."""

from __future__ import annotations

import math
from typing import Any

import pytest

from basis.privy.client import TIMEOUT_SECONDS
from basis.signing import caps
from basis.signing import signer as signer_module
from basis.signing.errors import OutcomeUnknownError
from basis.signing.settings import SigningSettings
from basis.signing.signer import PrivyWalletSigner
from tests.unit.signing.fakes import Clock, FakeBreaker, MemoryWindows, ScriptedWallets, Step, status_error
from tools import policy_requests

USER = "did:privy:u1"
USDC = 1_000_000


@pytest.fixture(autouse=True)
def quiet_telemetry(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    recorded: list[Any] = []
    monkeypatch.setattr(signer_module.telemetry, "record", recorded.append)
    return recorded


def deposit(amount: int) -> dict[str, Any]:
    return {**policy_requests.deposit(amount)["transaction"], "chain_id": 42161, "nonce": 0}


def make_signer(
    clock: Clock,
    *script: Step,
    breaker: Any = None,
    stall: float = 0.0,
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
    slow = {"retry_attempts": 10, "retry_base_delay": 5.0, "retry_max_delay": 30.0, "retry_jitter": 0.2}
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
