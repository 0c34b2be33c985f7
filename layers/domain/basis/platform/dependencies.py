"""Dependency reachability for ``GET /api/v1/health``.

Each outside service is probed in parallel with a short timeout; a probe reports whether the
service answered, how fast, and a short detail. Probes never raise.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from basis.identity import users
from basis.platform.config import Settings


@dataclass(frozen=True)
class Probe:
    """One dependency's answer: did it answer in time, how fast, and what it said (or the error)."""

    ok: bool
    latency_ms: float
    detail: str


@dataclass(frozen=True)
class HealthReport:
    status: str  # "ok" when every dependency answered, else "degraded"
    stage: str
    dependencies: dict[str, Probe]


# What a healthy answer looks like for each kind of endpoint: (method, path, JSON body).
_HTTP_PROBES: dict[str, tuple[str, str, dict[str, object] | None]] = {
    "privy": ("GET", "", None),
    "hyperliquid": ("POST", "/info", {"type": "meta"}),
    "arbitrum_rpc": ("POST", "", {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}),
    "solana_rpc": ("POST", "", {"jsonrpc": "2.0", "id": 1, "method": "getHealth"}),
    "asgard": ("GET", "", None),
}


def _timed(fn: Callable[[], str]) -> Probe:
    start = time.perf_counter()
    try:
        detail = fn()
        ok = True
    except Exception as exc:  # a probe reports failure, it never raises
        detail, ok = f"{type(exc).__name__}: {exc}"[:200], False
    return Probe(ok=ok, latency_ms=round((time.perf_counter() - start) * 1000, 1), detail=detail)


def _http_probe(url: str, method: str, body: dict[str, object] | None, timeout: float) -> str:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - URLs come from validated settings (http/https)
        url, data=data, method=method, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        # The service answered: reachable. A 5xx still means it is not serving.
        if exc.code >= 500:
            raise
        return f"HTTP {exc.code}"


def check(settings: Settings) -> HealthReport:
    """Probe every dependency; ``status`` is ``ok`` only when all of them answered."""
    probes: dict[str, Callable[[], str]] = {"dynamodb": users.describe_table}
    for name, url in settings.endpoints().items():
        method, path, body = _HTTP_PROBES[name]
        target = url.rstrip("/") + path

        def probe(target: str = target, method: str = method, body: dict[str, object] | None = body) -> str:
            return _http_probe(target, method, body, settings.health_timeout_seconds)

        probes[name] = probe
    with ThreadPoolExecutor(max_workers=len(probes)) as pool:
        futures = {name: pool.submit(_timed, fn) for name, fn in probes.items()}
        results = {name: future.result() for name, future in futures.items()}
    healthy = all(p.ok for p in results.values())
    return HealthReport(status="ok" if healthy else "degraded", stage=settings.stage, dependencies=results)
