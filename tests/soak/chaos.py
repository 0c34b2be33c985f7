"""What the soak breaks, at random for as long as it runs: Privy and Hyperliquid answer 5xx and 429,
answer late (latency), too late for the client (a timeout: the request is still carried out after
the client gave up) or lose their answer after carrying the request out; DynamoDB Local is paused
(SIGSTOP) for seconds at a time. Everything is seeded; ``stop`` lifts every fault."""

from __future__ import annotations

import os
import random
import signal
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from local.runtime.controls import Fault
from local.runtime.httpservice import LocalService
from local.runtime.stack import LocalStack

CLIENT_TIMEOUT_MS = 10_000  # the product's Privy and Hyperliquid clients give up after 10 s


@dataclass(frozen=True)
class Kind:
    name: str
    rate: float
    status: int | None = None
    delay_ms: int = 0
    after: bool = False

    def fault(self, path: str, scale: float, body: Any) -> Fault:
        return Fault(
            path,
            count=10**9,
            status=self.status,
            delay_ms=self.delay_ms,
            body=body,
            after=self.after,
            rate=self.rate * scale,
            kind=self.name,
        )


# Per request of a faulted path, the first kind drawn (in this order) is injected.
KINDS = (
    Kind("5xx", 0.03, status=503),
    Kind("429", 0.02, status=429),
    Kind("latency", 0.03, delay_ms=1500),
    Kind("timeout", 0.01, delay_ms=CLIENT_TIMEOUT_MS + 1000),
    Kind("answer_lost", 0.02, status=502, after=True),
)
# Where the faults go, how much more often than ``KINDS`` says, and the error body: Privy's wallet
# calls (signing, sending: few, so more often; the emulator's error body) and every Hyperliquid
# request (its error shape, which the Hyperliquid SDK reads ``code`` and ``msg`` of on a 4xx).
HYPERLIQUID_ERROR = {"code": None, "msg": "injected fault", "data": None}
TARGETS: dict[str, tuple[tuple[str, ...], float, Any]] = {
    "privy": (("/v1/wallets",), 3.0, None),
    "hyperliquid": (("/exchange", "/info"), 1.0, HYPERLIQUID_ERROR),
}


class Chaos:
    """Faults at Privy and Hyperliquid, and DynamoDB Local paused now and then, until ``stop``."""

    def __init__(self, stack: LocalStack, seed: int, *, pause_every: float = 15.0, pause_max: float = 3.0):
        self.stack = stack
        self.rng = random.Random(seed)
        self.seed = seed
        self.pause_every = pause_every
        self.pause_max = pause_max
        self.pauses: Counter[str] = Counter()
        self.paused_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pause_loop, name="soak-dynamodb-pauses", daemon=True)

    def services(self) -> dict[str, LocalService]:
        return {"privy": self.stack.privy, "hyperliquid": self.stack.hyperliquid}

    def start(self) -> Chaos:
        for offset, (name, service) in enumerate(self.services().items()):
            controls = service.controls
            controls.seed(self.seed + offset)
            paths, scale, body = TARGETS[name]
            for path in paths:
                for kind in KINDS:
                    controls.add_fault(kind.fault(path, scale, body))
        self._thread.start()
        return self

    def stop(self) -> None:
        """Every fault lifted and DynamoDB Local running (it is never left paused)."""
        self._stop.set()
        self._thread.join(timeout=self.pause_max + 5)
        for service in self.services().values():
            service.clear_faults()

    def _pause_loop(self) -> None:
        while not self._stop.wait(self.rng.uniform(0.5, 2) * self.pause_every):
            self.pause_dynamodb(self.rng.uniform(0.5, self.pause_max))

    def pause_dynamodb(self, seconds: float) -> None:
        """SIGSTOP the DynamoDB Local process this stack started, SIGCONT it ``seconds`` later."""
        engine = self.stack.dynamodb
        pid = engine.pid if engine is not None else None
        if pid is None:
            return
        os.kill(pid, signal.SIGSTOP)
        try:
            self._stop.wait(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)
        self.pauses["dynamodb_pause"] += 1
        self.paused_seconds += seconds

    def injected(self) -> dict[str, Counter[str]]:
        """The faults injected so far, by service and kind (DynamoDB's pauses under ``dynamodb``)."""
        counts: dict[str, Counter[str]] = {
            name: Counter(service.controls.stats()["injected"]) for name, service in self.services().items()
        }
        counts["dynamodb"] = Counter(self.pauses)
        return counts
