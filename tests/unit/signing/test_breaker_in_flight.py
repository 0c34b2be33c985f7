"""The shared breaker (``SharedCircuitBreaker``) as requests already in flight meet it: its state in
memory (``MemoryFlags``), a scripted Privy and a fake clock. Once it opens, no try of any request calls
Privy until the cooldown is over, whatever answers arrive for requests sent before it opened."""

from __future__ import annotations

import pytest

from basis.signing import breaker as breaker_module
from basis.signing import signer as signer_module
from basis.signing.breaker import CLOSED, OPEN, SharedCircuitBreaker
from basis.signing.errors import CircuitOpenError
from basis.signing.settings import SigningSettings
from basis.signing.signer import PrivyWalletSigner
from tests.unit.policies.requests_factory import hl_order_typed_data
from tests.unit.signing.fakes import Clock, MemoryFlags, ScriptedWallets, Step, status_error

ORDER = hl_order_typed_data()["typed_data"]  # moves no capped asset: no spend window involved


@pytest.fixture
def flags(monkeypatch: pytest.MonkeyPatch) -> MemoryFlags:
    store = MemoryFlags()
    monkeypatch.setattr(breaker_module, "flags", store)
    monkeypatch.setattr(signer_module.telemetry, "record", lambda event, **_: None)
    return store


def shared(clock: Clock) -> SharedCircuitBreaker:
    return SharedCircuitBreaker("signing", threshold=5, cooldown=60, probe_seconds=30, clock=clock)


def signer(breaker: SharedCircuitBreaker, *script: Step) -> tuple[PrivyWalletSigner, ScriptedWallets]:
    wallets = ScriptedWallets(*script)
    return PrivyWalletSigner(
        "did:privy:u1",
        "w1",
        "0xabc",
        "ethereum",
        breaker=breaker,
        settings=SigningSettings(retry_jitter=0, retry_attempts=3),
        wallet_service=wallets,
        authorization_key="",
        sleep=lambda seconds: None,
    ), wallets


def test_retries_in_flight_stop_when_the_breaker_opens_even_after_a_stragglers_answer(
    flags: MemoryFlags,
) -> None:
    clock = Clock()
    breaker = shared(clock)

    def outage_meanwhile() -> BaseException:
        for _ in range(5):  # other containers' failures trip the breaker while this try is out
            breaker.record_failure()
        breaker.record_success()  # and a request sent before it opened gets its (definitive) answer
        return status_error(503, {})

    in_flight, wallets = signer(breaker, outage_meanwhile, "0xsig", "0xsig")
    with pytest.raises(CircuitOpenError):
        in_flight.sign_typed_data_v4(ORDER)
    assert len(wallets.bodies) == 1 and flags.get("signing", default_state=CLOSED).state == OPEN
    other, others = signer(breaker, "0xsig")
    with pytest.raises(CircuitOpenError):
        other.sign_typed_data_v4(ORDER)
    assert others.bodies == []


def test_a_success_racing_the_trip_does_not_close_the_breaker(flags: MemoryFlags) -> None:
    clock = Clock()
    breaker = shared(clock)
    for _ in range(4):
        breaker.record_failure()

    def trip() -> None:
        breaker.record_failure()

    flags.before_write = trip  # the fifth failure lands between the success's read and its write
    breaker.record_success()
    assert flags.get("signing", default_state=CLOSED).state == OPEN


def test_the_probes_success_still_closes_the_breaker(flags: MemoryFlags) -> None:
    clock = Clock()
    breaker = shared(clock)
    for _ in range(5):
        breaker.record_failure()
    clock.now += 61
    probe, _ = signer(breaker, "0xsig")
    assert probe.sign_typed_data_v4(ORDER) == "0xsig"
    state = flags.get("signing", default_state=CLOSED)
    assert (state.state, state.counter) == (CLOSED, 0)
