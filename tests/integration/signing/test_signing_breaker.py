"""The signing circuit breaker shares its state through DynamoDB Local: every container (thread or
process) sees the same state, and no concurrent update is lost."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from basis.signing.breaker import CLOSED, HALF_OPEN, OPEN, SharedCircuitBreaker
from basis.signing.errors import CircuitOpenError
from local.runtime.stack import LocalStack

ROOT = Path(__file__).resolve().parents[3]


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock | None = None, name: str | None = None) -> SharedCircuitBreaker:
    return SharedCircuitBreaker(
        name or f"breaker-{uuid.uuid4().hex[:8]}",
        threshold=5,
        cooldown=60,
        probe_seconds=30,
        clock=clock or Clock(),
    )


def test_trips_after_five_consecutive_failures_and_rejects_for_the_cooldown(stack: LocalStack) -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(4):
        b.record_failure()
    b.before_call()  # four failures: still closed
    b.record_failure()
    assert b.state().state == OPEN
    clock.now += 59
    with pytest.raises(CircuitOpenError) as caught:
        b.before_call()
    assert caught.value.retriable and 0 < caught.value.retry_after <= 1


def test_a_success_resets_the_consecutive_count(stack: LocalStack) -> None:
    b = breaker()
    for _ in range(4):
        b.record_failure()
    b.record_success()
    for _ in range(4):
        b.record_failure()
    assert b.state().state == CLOSED and b.state().counter == 4


def test_half_open_lets_exactly_one_probe_through(stack: LocalStack) -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(5):
        b.record_failure()
    clock.now += 61

    def try_call(_: int) -> bool:
        try:
            b.before_call()
            return True
        except CircuitOpenError:
            return False

    with ThreadPoolExecutor(max_workers=10) as pool:
        allowed = sum(pool.map(try_call, range(10)))
    assert allowed == 1 and b.state().state == HALF_OPEN


def test_probe_success_closes_and_probe_failure_reopens(stack: LocalStack) -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(5):
        b.record_failure()
    clock.now += 61
    b.before_call()
    b.record_failure()  # the probe failed
    assert b.state().state == OPEN and b.state().until == clock.now + 60
    clock.now += 61
    b.before_call()
    b.record_success()
    state = b.state()
    assert (state.state, state.counter) == (CLOSED, 0)
    b.before_call()


def test_an_answer_to_a_request_sent_before_the_trip_does_not_close_it(stack: LocalStack) -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(5):
        b.record_failure()
    b.record_success()  # a straggler: sent while closed, answered after the trip
    assert b.state().state == OPEN
    with pytest.raises(CircuitOpenError):
        b.before_call()


def test_concurrent_failures_are_all_counted_and_trip_once(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    b = breaker()
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda _: b.record_failure(), range(20)))
    assert b.state().counter == 20 and b.state().state == OPEN
    trips = [r for r in caplog.records if r.levelname == "CRITICAL" and "tripped" in r.getMessage()]
    assert len(trips) == 1


def test_another_process_sees_the_same_breaker(stack: LocalStack) -> None:
    name = f"breaker-{uuid.uuid4().hex[:8]}"
    script = (
        "from basis.platform.runtime import bootstrap; bootstrap()\n"
        "from basis.signing.breaker import SharedCircuitBreaker\n"
        f"b = SharedCircuitBreaker({name!r})\n"
        "[b.record_failure() for _ in range(5)]\n"
    )
    env = {**os.environ, **stack.environment()}
    subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, check=True, timeout=60, capture_output=True
    )
    here = SharedCircuitBreaker(name)
    assert here.state().state == OPEN
    with pytest.raises(CircuitOpenError):
        here.before_call()
