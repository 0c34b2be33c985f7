"""The simulator's clock and Hyperliquid's nonce rules.

Hyperliquid keeps, per signer, the 100 highest nonces it has seen. A new nonce must not be one of
them, must be larger than the smallest of them once the set is full, and must lie within
``(T - 2 days, T + 1 day)`` of the exchange's time ``T`` (milliseconds).
"""

from __future__ import annotations

import heapq
import threading
import time

DAY_MS = 86_400_000
NONCE_SET_SIZE = 100


class Clock:
    """Wall-clock milliseconds plus an offset tests can advance."""

    def __init__(self, offset_ms: int = 0) -> None:
        self._offset_ms = offset_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            return int(time.time() * 1000) + self._offset_ms

    def advance(self, seconds: float) -> int:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset_ms += int(seconds * 1000)
        return self.now_ms()


class NonceError(ValueError):
    pass


class NonceTracker:
    def __init__(self, clock: Clock, keep: int = NONCE_SET_SIZE) -> None:
        self._clock = clock
        self._keep = keep
        self._seen: dict[str, list[int]] = {}  # signer -> min-heap of its highest nonces
        self._lock = threading.Lock()

    def use(self, signer: str, nonce: int) -> None:
        """Consume ``nonce`` for ``signer`` or raise ``NonceError`` saying why it is refused."""
        if isinstance(nonce, bool) or not isinstance(nonce, int):
            raise NonceError("nonce must be an integer")
        now = self._clock.now_ms()
        if not now - 2 * DAY_MS < nonce < now + DAY_MS:
            raise NonceError(f"Invalid nonce: nonce {nonce} is outside the valid window around {now}")
        with self._lock:
            heap = self._seen.setdefault(signer, [])
            if nonce in heap:
                raise NonceError(f"Invalid nonce: duplicate nonce {nonce}")
            if len(heap) >= self._keep:
                if nonce <= heap[0]:
                    raise NonceError(f"Invalid nonce: nonce {nonce} is not above the smallest kept nonce")
                heapq.heapreplace(heap, nonce)
            else:
                heapq.heappush(heap, nonce)
