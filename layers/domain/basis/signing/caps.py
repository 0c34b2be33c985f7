"""Strict rolling 24 h spend caps per user and asset (closes G2 and G3).

One spend window per (user, asset) in the signing ledger (``basis.signing.ledger``) holds hourly
committed totals and pending reservations. Every change is a read-modify-write guarded by the
window's version, so concurrent requests are serialised by DynamoDB: no interleaving can take the
total past the cap.

* ``reserve`` before signing: counts the committed spend of this hour and the 24 before it (so a
  spend counts for 24 to 25 hours: never more permissive than a true rolling 24 h) plus live
  reservations; refuses with ``CapExceededError`` if the amount would pass the cap.
* ``commit`` after a successful signature: moves the reservation into the hour's total. Idempotent;
  a commit whose reservation already expired still counts (the money moved).
* ``release`` after a failure: frees the reservation. Reservations also expire (a crashed signer
  frees its hold after ``lease_seconds``).

``hold`` and ``settle`` do the same for every asset one signing request moves, as the signer needs.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from basis.platform.observability import logger
from basis.signing import ledger
from basis.signing.errors import SpendCapExceededError
from basis.signing.ledger import Window

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


def _window(now: float) -> set[str]:
    """The hour buckets that count: this hour and the 24 before it."""
    current = datetime.fromtimestamp(now, UTC).replace(minute=0, second=0, microsecond=0)
    return {ledger.bucket_of(current - timedelta(hours=h)) for h in range(WINDOW_HOURS + 1)}


def _prune(window: Window, now: float) -> None:
    keep = _window(now)
    window.hourly = {h: v for h, v in window.hourly.items() if h in keep}
    window.reservations = {r: v for r, v in window.reservations.items() if v["expires"] > now}
    window.committed = {r: t for r, t in window.committed.items() if t > now - WINDOW_HOURS * 3600}


def usage(user_id: str, asset: str, now: float | None = None) -> Usage:
    now = now or time.time()
    window = ledger.read_window(user_id, asset)
    _prune(window, now)
    return Usage(
        committed=sum(window.hourly.values()),
        reserved=sum(r["amount"] for r in window.reservations.values()),
    )


def _mutate(user_id: str, asset: str, change: Callable[[Window, float], None]) -> None:
    """Apply ``change(window, now)`` with optimistic concurrency; retries on a version conflict."""
    for attempt in range(MAX_ATTEMPTS):
        window = ledger.read_window(user_id, asset)
        now = time.time()
        _prune(window, now)
        change(window, now)
        if ledger.write_window(window):
            return
        time.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))  # noqa: S311 - jitter
    raise ContentionError(f"spend window {user_id}/{asset} kept changing")


def reserve(user_id: str, asset: str, amount: int, cap: int, lease_seconds: int = 120) -> str:
    if amount <= 0:
        raise ValueError("amount must be positive")
    reservation = uuid.uuid4().hex

    def change(window: Window, now: float) -> None:
        used = sum(window.hourly.values()) + sum(r["amount"] for r in window.reservations.values())
        if used + amount > cap:
            raise CapExceededError(asset, used, amount, cap)
        window.reservations[reservation] = {"amount": amount, "expires": int(now) + lease_seconds}

    _mutate(user_id, asset, change)
    return reservation


def commit(user_id: str, asset: str, reservation: str, amount: int) -> None:
    def change(window: Window, now: float) -> None:
        if reservation in window.committed:
            return
        window.reservations.pop(reservation, None)  # an expired one was pruned: the amount still counts
        hour = ledger.bucket_of(datetime.fromtimestamp(now, UTC))
        window.hourly[hour] = window.hourly.get(hour, 0) + amount
        window.committed[reservation] = int(now)

    _mutate(user_id, asset, change)


def release(user_id: str, asset: str, reservation: str) -> None:
    def change(window: Window, now: float) -> None:
        window.reservations.pop(reservation, None)

    _mutate(user_id, asset, change)


@dataclass(frozen=True)
class Hold:
    asset: str
    reservation: str
    amount: int


def hold(user_id: str, spend: dict[str, int], caps: dict[str, int], *, lease_seconds: int) -> list[Hold]:
    """Reserve every asset of ``spend`` (base units) against its daily cap in ``caps``, or none of
    them: ``SpendCapExceededError`` (after releasing what was already reserved) when one would pass."""
    held: list[Hold] = []
    try:
        for asset, amount in sorted(spend.items()):
            try:
                reservation = reserve(user_id, asset, amount, caps[asset], lease_seconds=lease_seconds)
            except CapExceededError as exc:
                raise SpendCapExceededError(asset, used=exc.used, amount=exc.amount, cap=exc.cap) from exc
            held.append(Hold(asset, reservation, amount))
    except BaseException:
        settle(user_id, held, spent=False)
        raise
    return held


def settle(user_id: str, held: list[Hold], *, spent: bool) -> None:
    """Commit the reservations when the money moved (or may have), release them otherwise.

    Never raises: the signature already happened (or did not), and a ledger hiccup must not turn it
    into an error; a reservation that could not be released expires by itself, one that could not
    be committed is logged loudly."""
    for h in held:
        try:
            if spent:
                commit(user_id, h.asset, h.reservation, h.amount)
            else:
                release(user_id, h.asset, h.reservation)
        except Exception:
            logger.critical(
                "spend cap could not be settled",
                extra={
                    "user_id": user_id,
                    "asset": h.asset,
                    "reservation": h.reservation,
                    "amount": h.amount,
                    "commit": spent,
                },
            )
