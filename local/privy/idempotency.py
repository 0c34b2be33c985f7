"""``privy-idempotency-key``: the same key and body get the first answer again, exactly once.

Requests with one key are serialised (a per-key lock), so 50 concurrent creates with one key run
the handler once and the other 49 get its answer. Only successful answers are kept (a failed
attempt may be retried with the same key); a reused key with a different body is refused, as at
Privy. Keys are remembered for 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.privy.errors import PrivyError

WINDOW_SECONDS = 24 * 3600


@dataclass
class _Entry:
    fingerprint: str
    status: int
    body: Any
    at: float


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class IdempotencyCache:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._entries: dict[str, _Entry] = {}

    def _lock_for(self, scope: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(scope, threading.Lock())

    def run(self, scope: str, body: Any, handler: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
        """The answer for this key: the stored one, or ``handler()``'s (stored when it succeeds)."""
        digest = fingerprint(body)
        with self._lock_for(scope):
            entry = self._entries.get(scope)
            if entry is not None and self._clock() - entry.at < WINDOW_SECONDS:
                if entry.fingerprint != digest:
                    raise PrivyError(
                        400, "invalid_data", "idempotency key was already used with a different request body"
                    )
                return entry.status, entry.body
            status, answer = handler()
            if 200 <= status < 300:
                self._entries[scope] = _Entry(digest, status, answer, self._clock())
            return status, answer

    def __len__(self) -> int:
        with self._guard:
            return len(self._entries)
