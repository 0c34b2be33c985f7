"""Strict rolling 24 h spend caps per user and asset (closes G2 and G3).

One spend window per (user, asset) in the signing ledger (``basis.signing.ledger``) holds hourly
committed totals, pending reservations and unresolved ones, and their ``total``. A signer's
reservation is one conditional update (``total + amount <= cap``, the total never counting less
than the rolling window does) and its commit one atomic update in the transaction that writes the
request's ledger row: two DynamoDB calls per capped signature, and concurrent requests of one user
are serialised by DynamoDB without retries. Everything else (a refusal's exact count, a re-driven
key, dropping what left the window, the reconciler's settlements) is a read-modify-write guarded by
the window's version, which every change moves: no interleaving can take the total past the cap.

* ``reserve`` before signing: counts the committed spend of this hour and the 24 before it (so a
  spend counts for 24 to 25 hours: never more permissive than a true rolling 24 h) plus live and
  unresolved reservations; refuses with ``CapExceededError`` if the amount would pass the cap. When
  the total leaves room, that is one update; when it does not, the window is read and counted
  exactly (what left the window no longer counts) and either refuses or reserves by rewriting it.
* ``commit`` after a successful signature: moves the reservation into the hour's total. Idempotent
  per reservation: committing it again (a retry, a late worker) never counts it twice.
* ``release`` after a definitive failure (nothing was sent): frees the reservation.
* ``leave_unresolved`` after an unknown outcome (a send that may have been broadcast): the
  reservation becomes *unresolved* and keeps counting like a committed spend until the reconciler
  resolves it from the chain (``commit``: it was sent; ``release``: it was not).
* A reservation is never forgotten into "not spent": when its lease (the signer's whole retry
  budget) runs out before it is settled, its worker stalled or died, maybe after sending, so it
  becomes unresolved the same way and keeps counting (24 h) until a commit or a release settles it.
* ``unsettled`` lists, across users, every reservation past its lease or unresolved (the spend
  windows' sparse ``by_unsettled`` index, never a scan): what the reconciler resolves.

``hold`` and ``settle`` do the same for every asset one signing request moves, as the signer needs.
"""

from __future__ import annotations

import copy
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from basis.platform.observability import logger
from basis.signing import ledger
from basis.signing.errors import SpendCapExceededError
from basis.signing.ledger import Window

ASSETS = ("USDC", "SOL", "SPL")  # the capped assets (``PolicySettings.daily_caps``)
WINDOW_HOURS = 24
MAX_ATTEMPTS = 200
SETTLE_TRIES = (
    3  # writes of one settlement (a DynamoDB error, not a version conflict), 0.2 s then 0.4 s apart
)
SETTLE_WAIT_SECONDS = 0.2
KEY_PREFIX = "key#"
# What became of a signing request's spend: sent (commit), not sent (release), unknown (unresolved).
Outcome = Literal["sent", "not_sent", "unknown"]


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
    unresolved: int = 0

    @property
    def total(self) -> int:
        return self.committed + self.reserved + self.unresolved


def _window(now: float) -> set[str]:
    """The hour buckets that count: this hour and the 24 before it."""
    current = datetime.fromtimestamp(now, UTC).replace(minute=0, second=0, microsecond=0)
    return {ledger.bucket_of(current - timedelta(hours=h)) for h in range(WINDOW_HOURS + 1)}


def _hour(at: float) -> str:
    return ledger.bucket_of(datetime.fromtimestamp(at, UTC))


def _prune(window: Window, now: float) -> list[str]:
    """Drop what left the rolling window; a reservation whose lease ran out becomes unresolved (it
    keeps counting). Returns the ids of those that just lapsed."""
    keep = _window(now)
    lapsed = [r for r, v in window.reservations.items() if v["expires"] <= now]
    for r in lapsed:
        held = window.reservations.pop(r)
        window.unresolved[r] = {"amount": held["amount"], "since": held["expires"]}
    window.hourly = {h: v for h, v in window.hourly.items() if h in keep}
    window.unresolved = {r: v for r, v in window.unresolved.items() if _hour(v["since"]) in keep}
    window.committed = {r: t for r, t in window.committed.items() if t > now - WINDOW_HOURS * 3600}
    return lapsed


def _used(window: Window) -> Usage:
    return Usage(
        committed=sum(window.hourly.values()),
        reserved=sum(r["amount"] for r in window.reservations.values()),
        unresolved=sum(r["amount"] for r in window.unresolved.values()),
    )


def usage(user_id: str, asset: str, now: float | None = None) -> Usage:
    now = now or time.time()
    window = ledger.read_window(user_id, asset)
    _prune(window, now)
    return _used(window)


def _mutate(user_id: str, asset: str, change: Callable[[Window, float], None]) -> None:
    """Apply ``change(window, now)`` with optimistic concurrency; retries on a version conflict."""
    for attempt in range(MAX_ATTEMPTS):
        window = ledger.read_window(user_id, asset)
        now = time.time()
        lapsed = _prune(window, now)
        change(window, now)
        if ledger.write_window(window):
            _log_lapsed(window, lapsed)
            return
        time.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))  # noqa: S311 - jitter
    raise ContentionError(f"spend window {user_id}/{asset} kept changing")


def _log_lapsed(window: Window, lapsed: list[str]) -> None:
    for r in lapsed:
        logger.warning(
            "spend reservation lapsed unsettled: counted as spent until resolved",
            extra={"user_id": window.user_id, "asset": window.asset, "reservation": r},
        )


def _tidy(window: Window, now: float) -> None:
    """Drop from ``window`` (as an update returned it) what left the rolling window, and turn its
    lapsed reservations into unresolved ones, when an hour's total left it or a lease ran out: a
    rewrite guarded by its version, given up when the window changed since (until then its total
    only counts too much). At most about once an hour per window (a commit leaves 24 h after it is
    made, with its hour's total at the latest); never raises (the reservation is made)."""
    kept = (len(window.hourly), len(window.unresolved))  # the commits a bucket held leave with it
    lapsed = _prune(window, now)
    if not lapsed and kept == (len(window.hourly), len(window.unresolved)):
        return
    try:
        if ledger.write_window(window):
            _log_lapsed(window, lapsed)
    except Exception:
        logger.exception("spend window could not be tidied", extra={"user_id": window.user_id})


def key_reservation(key: str) -> str:
    """The id of the reservation made under the idempotency ``key`` (the signer's and a saga's)."""
    return f"{KEY_PREFIX}{key}"


def key_of(reservation: str) -> str | None:
    """The idempotency key ``reservation`` was made under (a deposit's: its transfer id), if any."""
    return reservation.removeprefix(KEY_PREFIX) if reservation.startswith(KEY_PREFIX) else None


def reserve(
    user_id: str, asset: str, amount: int, cap: int, lease_seconds: int = 120, *, key: str | None = None
) -> str:
    """A reservation of ``amount`` held for ``lease_seconds``; see ``_reserve``."""
    return _reserve(user_id, asset, amount, cap, lease_seconds, key)[0]


def _reserve(
    user_id: str, asset: str, amount: int, cap: int, lease_seconds: int, key: str | None
) -> tuple[str, bool]:
    """The reservation's id and whether this call made it. With the request's idempotency ``key``,
    the id is the key's: a request sent again with its key (a re-drive after an unknown outcome)
    finds its spend already counted (held, unresolved or committed) and neither counts it again nor
    is refused by it; a live hold of it is extended to this caller's lease."""
    if amount <= 0:
        raise ValueError("amount must be positive")
    reservation = key_reservation(key) if key else uuid.uuid4().hex
    now = time.time()
    added = ledger.add_reservation(
        user_id, asset, reservation, amount, expires=int(now) + lease_seconds, cap=cap
    )
    if added is not None:
        _tidy(added, now)
        return reservation, True
    # The window is new, written before it had a total, counts what left the rolling window, is
    # full, or knows the id: read it and decide exactly.
    made = False

    def change(window: Window, now: float) -> None:
        nonlocal made
        expires = int(now) + lease_seconds
        live = window.reservations.get(reservation)
        if live is not None:
            live["expires"] = max(live["expires"], expires)
            made = False
            return
        if reservation in window.committed or reservation in window.unresolved:
            made = False
            return
        used = _used(window).total
        if used + amount > cap:
            raise CapExceededError(asset, used, amount, cap)
        window.reservations[reservation] = {"amount": amount, "expires": expires}
        made = True

    _mutate(user_id, asset, change)
    return reservation, made


def commit(user_id: str, asset: str, reservation: str, amount: int) -> None:
    def change(window: Window, now: float) -> None:
        if reservation in window.committed:
            return
        # Held or unresolved, it counted all along: it now counts in this hour's total instead.
        window.reservations.pop(reservation, None)
        window.unresolved.pop(reservation, None)
        hour = _hour(now)
        window.hourly[hour] = window.hourly.get(hour, 0) + amount
        window.committed[reservation] = int(now)

    _mutate(user_id, asset, change)


def release(user_id: str, asset: str, reservation: str) -> None:
    def change(window: Window, now: float) -> None:
        window.reservations.pop(reservation, None)
        window.unresolved.pop(reservation, None)

    _mutate(user_id, asset, change)


def leave_unresolved(user_id: str, asset: str, reservation: str) -> None:
    """The outcome is unknown (the money may have moved): a held reservation becomes unresolved now
    and keeps counting until the reconciler commits or releases it."""

    def change(window: Window, now: float) -> None:
        held = window.reservations.pop(reservation, None)
        if held is not None:
            window.unresolved[reservation] = {"amount": held["amount"], "since": int(now)}

    _mutate(user_id, asset, change)


@dataclass(frozen=True)
class Unsettled:
    """A reservation past its lease or unresolved: it counts as spent until it is resolved."""

    user_id: str
    asset: str
    reservation: str
    amount: int  # base units
    since: int  # epoch seconds: when its lease ran out, or its send's outcome became unknown


def unsettled(now: float | None = None) -> list[Unsettled]:
    """Every reservation, across users, whose lease ran out or that was left unresolved: windows
    found through the sparse ``by_unsettled`` index (never a scan), oldest first."""
    now = now or time.time()
    found: list[Unsettled] = []
    for asset in ASSETS:
        for user_id in ledger.unsettled_windows(asset, due_by=int(now)):
            window = ledger.read_window(user_id, asset)
            _reindex(copy.deepcopy(window))
            _prune(window, now)  # a lapsed reservation shows as the unresolved one it now is
            found += [
                Unsettled(user_id, asset, r, v["amount"], v["since"]) for r, v in window.unresolved.items()
            ]
    return sorted(found, key=lambda u: u.since)


def _reindex(window: Window) -> None:
    """A signer's commit leaves the window's key in the sparse index where it was (before the end of
    a lease that is now settled): set it to when the window next needs settling, or out of the
    index when nothing is left to settle (a rewrite, as of now, guarded by the version; given up on
    a change)."""
    lapsed = _prune(window, time.time())
    if window.indexed == ledger.settle_by(window):
        return
    try:
        if ledger.write_window(window):
            _log_lapsed(window, lapsed)
    except Exception:
        logger.exception("spend window could not be re-indexed", extra={"user_id": window.user_id})


@dataclass(frozen=True)
class Hold:
    asset: str
    reservation: str
    amount: int
    owned: bool = True  # False: an earlier request with the same key counted it (never released here)


def hold(
    user_id: str,
    spend: dict[str, int],
    caps: dict[str, int],
    *,
    lease_seconds: int,
    key: str | None = None,
) -> list[Hold]:
    """Reserve every asset of ``spend`` (base units) against its daily cap in ``caps``, or none of
    them: ``SpendCapExceededError`` (after releasing what was already reserved) when one would pass.
    ``key``: the request's idempotency key, so that a request sent again is counted once."""
    held: list[Hold] = []
    try:
        for asset, amount in sorted(spend.items()):
            try:
                reservation, made = _reserve(user_id, asset, amount, caps[asset], lease_seconds, key)
            except CapExceededError as exc:
                raise SpendCapExceededError(asset, used=exc.used, amount=exc.amount, cap=exc.cap) from exc
            held.append(Hold(asset, reservation, amount, owned=made))
    except BaseException:
        settle(user_id, held, "not_sent")
        raise
    return held


def settle(
    user_id: str, held: list[Hold], outcome: Outcome, *, row: ledger.SigningEvent | None = None
) -> bool:
    """Commit the reservations when the money moved, leave them unresolved when it may have (the
    reconciler decides), release them when it did not (only those this request made: one an earlier
    request with its key made may be on chain).

    With the request's ledger ``row``, the commits and the row are one transaction (one call):
    True when it was written. When it was not (a reservation is no longer held as made, e.g. a
    re-drive's, or DynamoDB failed), each is settled alone as below and the row is left to the caller.

    Never raises: the signature already happened (or did not), and a ledger hiccup must not turn it
    into an error. Each write is tried ``SETTLE_TRIES`` times; a reservation that still could not be
    settled keeps counting (held, then unresolved once its lease runs out) until it is settled (too
    much, never too little)."""
    if outcome == "sent" and row is not None and held:
        at = time.time()
        try:
            ledger.append(
                row, tuple(ledger.Commit(user_id, h.asset, h.reservation, h.amount, at) for h in held)
            )
            return True
        except ledger.CommitRefusedError:
            pass  # settled one by one: each commit then sees what the window holds
        except Exception:
            logger.warning(
                "spend commit with the ledger row failed", exc_info=True, extra={"user_id": user_id}
            )
    for h in held:
        if outcome == "not_sent" and not h.owned:
            continue
        for attempt in range(SETTLE_TRIES):
            try:
                if outcome == "sent":
                    commit(user_id, h.asset, h.reservation, h.amount)
                elif outcome == "unknown":
                    leave_unresolved(user_id, h.asset, h.reservation)
                else:
                    release(user_id, h.asset, h.reservation)
                break
            except Exception:
                if attempt + 1 < SETTLE_TRIES:
                    time.sleep(SETTLE_WAIT_SECONDS * 2**attempt)
                    continue
                logger.critical(
                    "spend cap could not be settled: it counts until settled",
                    exc_info=True,
                    extra={
                        "user_id": user_id,
                        "asset": h.asset,
                        "reservation": h.reservation,
                        "amount": h.amount,
                        "outcome": outcome,
                    },
                )
    return False
