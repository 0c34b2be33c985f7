"""Local stack start-up time and request latency through the local API Gateway."""

from __future__ import annotations

import logging
import statistics
import time

import requests

from local.runtime.ports import ephemeral_ports
from local.runtime.stack import LocalStack


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
        "max_ms": round(ordered[-1], 2),
        "n": len(ordered),
    }


def run(requests_per_route: int = 200) -> dict[str, object]:
    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    stack = LocalStack(ephemeral_ports(), schedules=False)
    with stack:
        base = stack.url("api") + "/api/v1"
        session = requests.Session()
        latencies: dict[str, list[float]] = {"openapi": [], "unauthorized": []}
        for _ in range(requests_per_route):
            for route, path in (("openapi", "/openapi.json"), ("unauthorized", "/wallets/server")):
                start = time.perf_counter()
                session.get(base + path, timeout=10)
                latencies[route].append((time.perf_counter() - start) * 1000)
        return {
            "startup_s": stack.timings.steps,
            "gateway_latency": {route: _percentiles(samples) for route, samples in latencies.items()},
        }
