"""Faults at random: a fault with a ``rate`` hits a matching request with that probability, drawn
from the service's seeded RNG (the same seed, the same hits), at most ``count`` times, and every
fault injected is counted by kind in ``GET /_local/stats`` next to the requests served."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from local.runtime.httpservice import LocalService, ServedApp, json_response


class Echo(LocalService):
    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self.route("/ping", ["GET"])(lambda request: json_response({"pong": True}))


@pytest.fixture
def echo() -> Iterator[str]:
    served = ServedApp(Echo(), 0, "echo").start()
    try:
        yield served.url
    finally:
        served.stop()


def statuses(url: str, n: int) -> list[int]:
    return [requests.get(f"{url}/ping", timeout=5).status_code for _ in range(n)]


def test_a_rate_fault_hits_at_random_reproducibly_and_is_counted_by_kind(echo: str) -> None:
    fault = {"path": "/ping", "status": 503, "rate": 0.3, "count": 1000, "seed": 7, "kind": "5xx"}
    assert requests.post(f"{echo}/_local/faults", json=fault, timeout=5).status_code == 201
    first = statuses(echo, 60)
    requests.delete(f"{echo}/_local/faults", timeout=5)
    assert requests.post(f"{echo}/_local/faults", json=fault, timeout=5).status_code == 201
    again = statuses(echo, 60)

    assert first == again  # the same seed, the same requests hit
    hits = first.count(503)
    assert 5 < hits < 40 and set(first) == {200, 503}
    stats = requests.get(f"{echo}/_local/stats", timeout=5).json()
    assert stats == {"requests": 120, "injected": {"5xx": 2 * hits}}


def test_a_rate_fault_stops_after_count_hits_and_is_named_by_its_status_by_default(echo: str) -> None:
    fault = {"path": "/ping", "status": 429, "rate": 1.0, "count": 2}
    requests.post(f"{echo}/_local/faults", json=fault, timeout=5).raise_for_status()
    lost = {"path": "/ping", "status": 502, "after": True, "count": 1}
    requests.post(f"{echo}/_local/faults", json=lost, timeout=5).raise_for_status()

    assert statuses(echo, 4) == [429, 429, 502, 200]
    assert requests.get(f"{echo}/_local/stats", timeout=5).json()["injected"] == {"429": 2, "after:502": 1}
