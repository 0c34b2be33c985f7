"""Local stack start-up time (``LocalStack.start()`` until the API answers its health route; the
median of a few starts, each on fresh ports) and request latency through the local API Gateway."""

from __future__ import annotations

import json
import logging
import statistics
import time

import requests

from local.runtime.ports import ephemeral_ports
from local.runtime.stack import LocalStack
from tests.bench import budgets
from tests.bench.budgets import budgeted

HEALTHY_WITHIN_S = 180


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def start_until_healthy() -> tuple[LocalStack, float]:
    """A started stack and the seconds from ``start()`` until ``GET /api/v1/health`` answered 200."""
    stack = LocalStack(ephemeral_ports(), schedules=False)
    started = time.perf_counter()
    try:
        stack.start()
        health = stack.url("api") + "/api/v1/health"
        while time.perf_counter() - started < HEALTHY_WITHIN_S:
            try:
                if requests.get(health, timeout=5).status_code == 200:
                    return stack, time.perf_counter() - started
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"the local stack was not healthy within {HEALTHY_WITHIN_S} s")
    except BaseException:
        stack.stop()
        raise


def run(requests_per_route: int = 200, starts: int = 3) -> dict[str, object]:
    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    seconds = []
    for _ in range(starts - 1):
        stack, elapsed = start_until_healthy()
        stack.stop()
        seconds.append(elapsed)
    stack, elapsed = start_until_healthy()
    seconds.append(elapsed)
    try:
        base = stack.url("api") + "/api/v1"
        session = requests.Session()
        latencies: dict[str, list[float]] = {"openapi": [], "unauthorized": []}
        for _ in range(requests_per_route):
            for route, path in (("openapi", "/openapi.json"), ("unauthorized", "/wallets/server")):
                start = time.perf_counter()
                session.get(base + path, timeout=10)
                latencies[route].append((time.perf_counter() - start) * 1000)
        return {
            "start_s": budgeted(round(statistics.median(seconds), 2), budgets.STACK_START_S, "s"),
            "start_runs_s": [round(s, 2) for s in seconds],
            "startup_steps_s": stack.timings.steps,  # of the last start
            "gateway_latency": {route: _percentiles(samples) for route, samples in latencies.items()},
        }
    finally:
        stack.stop()


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
