"""Strict rolling 24 h spend caps per user and asset (closes G2 and G3).

One ``SpendWindow`` item per (user, asset) holds hourly committed totals and pending reservations.
Every change is a read-modify-write guarded by the item's version, so concurrent requests are
serialised by DynamoDB: no interleaving can take the total past the cap.

* ``reserve`` before signing: counts the committed spend of this hour and the 24 before it (so a
  spend counts for 24 to 25 hours: never more permissive than a true rolling 24 h) plus live
  reservations; refuses with ``CapExceededError`` if the amount would pass the cap.
* ``commit`` after a successful signature: moves the reservation into the hour's total. Idempotent;
  a commit whose reservation already expired still counts (the money moved).
* ``release`` after a failure: frees the reservation. Reservations also expire (a crashed signer
  frees its hold after ``lease_seconds``).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from basis.models import SpendWindow

WINDOW_HOURS = 24
MAX_ATTEMPTS = 200


class CapExceededError(Exception):
    def __init__(self, asset: str, used: int, amount: int, cap: int) -> None:
        super().__init__(f"{asset} daily cap: {used} used + {amount} requested > {cap} (base units)")
        self.asset, self.used, self.amount, self.cap = asset, used, amount, cap


class ContentionError(Exception):
    """The window changed under us MAX_ATTEMPTS times in a row."""


@dataclass(frozen=True)
class Usage:
    committed: int
    reserved: int

    @property
    def total(self) -> int:
        return self.committed + self.reserved


def _hour(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y%m%d%H")


def _window(now: float) -> set[str]:
    """The hour buckets that count: this hour and the 24 before it."""
    current = datetime.fromtimestamp(now, UTC).replace(minute=0, second=0, microsecond=0)
    return {(current - timedelta(hours=h)).strftime("%Y%m%d%H") for h in range(WINDOW_HOURS + 1)}


def _d(value: Any) -> dict[str, Any]:
    """A map attribute as a plain dict (loaded items hold MapAttribute, changed ones a dict)."""
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)


def _load(user_id: str, asset: str) -> SpendWindow:
    try:
        return SpendWindow.get(user_id, asset, consistent_read=True)
    except DoesNotExist:
        return SpendWindow(user_id, asset)


def _prune(window: SpendWindow, now: float) -> None:
    keep = _window(now)
    window.hourly = {h: v for h, v in _d(window.hourly).items() if h in keep}
    window.reservations = {r: v for r, v in _d(window.reservations).items() if v["expires"] > now}
    window.committed = {r: t for r, t in _d(window.committed).items() if t > now - WINDOW_HOURS * 3600}


def usage(user_id: str, asset: str, now: float | None = None) -> Usage:
    now = now or time.time()
    window = _load(user_id, asset)
    _prune(window, now)
    return Usage(
        committed=int(sum(_d(window.hourly).values())),
        reserved=int(sum(r["amount"] for r in _d(window.reservations).values())),
    )


def _mutate(user_id: str, asset: str, change: Callable[[SpendWindow, float], None]) -> None:
    """Apply ``change(window, now)`` with optimistic concurrency; retries on a version conflict."""
    for attempt in range(MAX_ATTEMPTS):
        window = _load(user_id, asset)
        now = time.time()
        _prune(window, now)
        change(window, now)
        try:
            window.save()
            return
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            time.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))  # noqa: S311 - jitter
    raise ContentionError(f"spend window {user_id}/{asset} kept changing")


def reserve(user_id: str, asset: str, amount: int, cap: int, lease_seconds: int = 120) -> str:
    if amount <= 0:
        raise ValueError("amount must be positive")
    reservation = uuid.uuid4().hex

    def change(window: SpendWindow, now: float) -> None:
        used = int(sum(_d(window.hourly).values())) + int(
            sum(r["amount"] for r in _d(window.reservations).values())
        )
        if used + amount > cap:
            raise CapExceededError(asset, used, amount, cap)
        reservations = _d(window.reservations)
        reservations[reservation] = {"amount": amount, "expires": int(now) + lease_seconds}
        window.reservations = reservations

    _mutate(user_id, asset, change)
    return reservation


def commit(user_id: str, asset: str, reservation: str, amount: int) -> None:
    def change(window: SpendWindow, now: float) -> None:
        committed = _d(window.committed)
        if reservation in committed:
            return
        reservations = _d(window.reservations)
        reservations.pop(reservation, None)  # an expired one was pruned: the amount still counts
        hourly = _d(window.hourly)
        hour = _hour(now)
        hourly[hour] = int(hourly.get(hour, 0)) + amount
        committed[reservation] = int(now)
        window.reservations, window.hourly, window.committed = reservations, hourly, committed

    _mutate(user_id, asset, change)


def release(user_id: str, asset: str, reservation: str) -> None:
    def change(window: SpendWindow, now: float) -> None:
        reservations = _d(window.reservations)
        reservations.pop(reservation, None)
        window.reservations = reservations

    _mutate(user_id, asset, change)
