"""The signing ledger store: one row per signing request (24 h, TTL) and the per-user spend windows.

* ``append`` writes a request's row in its hour bucket, with the commits of what the request moved
  in the same transaction; ``rows_since`` reads the buckets back;
* a spend window (one per user and asset) holds hourly committed totals, pending reservations,
  the reservations already committed and the unresolved ones (their lease ran out unsettled), and
  the ``total`` of all three (what left the rolling window included until it is dropped: never
  less than the window's usage). The signer's two writes are single atomic updates:
  ``add_reservation`` (conditional on ``total + amount <= cap``: no read, no retry under
  contention) and a commit (in ``append``'s transaction); each adds one to the window's version.
  ``read_window`` / ``write_window`` are the two halves of a read-modify-write guarded by that
  version, for everything else (a refusal's exact count, dropping what left the window, the
  reconciler's settlements): ``write_window`` answers False when another request changed the window
  in between (read it again and redo the change). ``unsettled_windows`` finds the windows whose
  reservations need settling through the sparse ``by_unsettled`` index, never a scan.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from basis.models import SigningRecord, SpendWindow
from basis.models.base import connection
from basis.platform.observability import logger

LEDGER_TTL_SECONDS = 24 * 3600
# A write to a window while a transaction (another request's commit) is in flight on it is refused
# with a conflict, not serialised: tried again this many times in all, a few milliseconds apart.
CONFLICT_TRIES = 5
TRANSACTION_CONFLICT = "TransactionConflictException"


class LedgerWriteError(Exception):
    """A ledger row could not be written."""


class CommitRefusedError(LedgerWriteError):
    """A commit's window did not hold the reservation as held (already committed, never made,
    settled another way, or written before windows had a total): nothing was written."""


@dataclass(frozen=True)
class Commit:
    """A held reservation's spend, to count in the hour ``at`` falls in."""

    user_id: str
    asset: str
    reservation: str
    amount: int
    at: float


@dataclass(frozen=True)
class SigningEvent:
    user_id: str
    wallet_id: str | None
    wallet_address: str | None
    chain: str
    method: str
    action: str | None
    result: str
    duration_ms: float
    error: str | None = None


@dataclass(frozen=True)
class LedgerRow:
    at_id: str  # "<iso time>#<request id>": rows sort by time
    event: SigningEvent


@dataclass
class Window:
    """One user's spend on one asset; amounts are base units, times epoch seconds."""

    user_id: str
    asset: str
    hourly: dict[str, int] = field(default_factory=dict)  # "YYYYMMDDHH" -> committed that hour
    reservations: dict[str, dict[str, int]] = field(default_factory=dict)  # id -> amount, expires
    committed: dict[str, int] = field(default_factory=dict)  # id -> when it was committed
    # id -> amount, since: a lease that ran out unsettled (the money may have moved), counted as spent
    unresolved: dict[str, dict[str, int]] = field(default_factory=dict)
    version: int | None = None  # None: not stored yet
    indexed: int | None = None  # ``settle_by`` as stored: the window's key in the sparse index


def bucket_of(at: datetime) -> str:
    return at.strftime("%Y%m%d%H")


def append(event: SigningEvent, commits: tuple[Commit, ...] = ()) -> None:
    """Write the row of a request made now, and with ``commits`` commit those reservations in the
    same transaction (each moves from the held reservations to its hour's total, ``total``
    unchanged; it must still be held with that amount and not committed). ``CommitRefusedError``
    when a window did not hold its reservation, ``LedgerWriteError`` when DynamoDB refused or
    failed otherwise; either way nothing was written."""
    now = datetime.now(UTC)
    columns = asdict(event) | {
        "duration_ms": round(event.duration_ms, 1),
        "error": (event.error or None) and event.error[:500],
    }
    row = SigningRecord(
        bucket_of(now),
        f"{now.isoformat()}#{uuid.uuid4().hex[:12]}",
        ttl=int(time.time()) + LEDGER_TTL_SECONDS,
        **columns,
    )
    if not commits:
        try:
            row.save()
        except PutError as exc:
            raise LedgerWriteError(str(exc)) from exc
        return
    for attempt in range(CONFLICT_TRIES):
        try:
            with TransactWrite(connection=connection()) as transaction:
                for c in commits:
                    _commit_in(transaction, c)
                transaction.save(row)
            return
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in exc.cancellation_reasons or []]
            if "ConditionalCheckFailed" in reasons:
                raise CommitRefusedError(str(exc)) from exc
            if "TransactionConflict" not in reasons or attempt + 1 == CONFLICT_TRIES:
                raise LedgerWriteError(str(exc)) from exc
            _wait_for_transaction(attempt)


def _wait_for_transaction(attempt: int) -> None:
    """Another transaction holds the window (DynamoDB refuses a write to an item while one is in
    flight): it ends within milliseconds."""
    time.sleep(random.uniform(0.005, 0.02 * (attempt + 1)))  # noqa: S311 - jitter


def _commit_in(transaction: TransactWrite, c: Commit) -> None:
    hour = bucket_of(datetime.fromtimestamp(c.at, UTC))
    transaction.update(
        _changing(c.user_id, c.asset),
        actions=[
            SpendWindow.reservations[c.reservation].remove(),
            SpendWindow.committed[c.reservation].set(int(c.at)),
            SpendWindow.hourly[hour].set((SpendWindow.hourly[hour] | 0) + c.amount),
        ],
        condition=(
            SpendWindow.total.exists()
            & SpendWindow.committed[c.reservation].does_not_exist()
            & (SpendWindow.reservations[c.reservation]["amount"] == c.amount)
        ),
        add_version_condition=False,
    )


def _row(item: SigningRecord) -> LedgerRow:
    return LedgerRow(
        item.at_id, SigningEvent(**{f.name: getattr(item, f.name) for f in fields(SigningEvent)})
    )


def rows_since(since: datetime) -> list[LedgerRow]:
    """Every row from ``since`` until now, oldest hour first."""
    now = datetime.now(UTC)
    rows: list[LedgerRow] = []
    hour = since.replace(minute=0, second=0, microsecond=0)
    while hour <= now:
        query = SigningRecord.query(bucket_of(hour), SigningRecord.at_id >= since.isoformat())
        rows.extend(_row(item) for item in query)
        hour += timedelta(hours=1)
    return rows


def _plain(value: Any) -> dict[str, Any]:
    """A map attribute as a plain dict (loaded items hold MapAttribute, changed ones a dict)."""
    return dict(value.as_dict() if hasattr(value, "as_dict") else value)


def read_window(user_id: str, asset: str) -> Window:
    try:
        item = SpendWindow.get(user_id, asset, consistent_read=True)
    except DoesNotExist:
        return Window(user_id, asset)
    return _window_of(item)


def settle_by(window: Window) -> int | None:
    """When ``window`` next needs settling: its first lease to run out, or the oldest unresolved
    reservation's lapse; None while it holds neither."""
    due = [r["expires"] for r in window.reservations.values()] + [
        r["since"] for r in window.unresolved.values()
    ]
    return min(due, default=None)


def _window_of(item: SpendWindow) -> Window:
    return Window(
        item.user_id,
        item.asset,
        hourly={h: int(v) for h, v in _plain(item.hourly).items()},
        reservations={
            r: {"amount": int(v["amount"]), "expires": int(v["expires"])}
            for r, v in _plain(item.reservations).items()
        },
        committed={r: int(t) for r, t in _plain(item.committed).items()},
        unresolved={
            r: {"amount": int(v["amount"]), "since": int(v["since"])}
            for r, v in _plain(item.unresolved).items()
        },
        version=item.version,
        indexed=None if item.settle_by is None else int(item.settle_by),
    )


def _changing(user_id: str, asset: str) -> SpendWindow:
    """The window's key, for an atomic update that adds one to its stored version (PynamoDB does so
    for any local version; without a condition on it, as ``add_version_condition=False`` says)."""
    item = SpendWindow(user_id, asset)
    item.version = 0
    return item


def add_reservation(
    user_id: str, asset: str, reservation: str, amount: int, *, expires: int, cap: int
) -> Window | None:
    """Hold ``amount`` under ``reservation`` until ``expires`` in one conditional update: only if
    the window's ``total`` leaves room for it under ``cap`` and the window holds nothing under that
    id (held, committed or unresolved). The window after it; None when the condition failed (the
    window is new or full, or the id is known: read it to know which). The window's key in the
    sparse index stays at or before its first lease's end: lowered when this one ends before it
    (one more update, only when leases of different lengths overlap)."""
    item = _changing(user_id, asset)
    for attempt in range(CONFLICT_TRIES):
        try:
            item.update(
                actions=[
                    SpendWindow.reservations[reservation].set({"amount": amount, "expires": expires}),
                    SpendWindow.total.add(amount),
                    SpendWindow.unsettled.set(asset),
                    SpendWindow.settle_by.set(SpendWindow.settle_by | expires),
                ],
                condition=(
                    SpendWindow.total.exists()
                    & (SpendWindow.total <= cap - amount)
                    & SpendWindow.reservations[reservation].does_not_exist()
                    & SpendWindow.committed[reservation].does_not_exist()
                    & SpendWindow.unresolved[reservation].does_not_exist()
                ),
                add_version_condition=False,
            )
            break
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            if exc.cause_response_code != TRANSACTION_CONFLICT or attempt + 1 == CONFLICT_TRIES:
                raise
            _wait_for_transaction(attempt)
    window = _window_of(item)
    if window.indexed is not None and window.indexed > expires:
        try:
            _changing(user_id, asset).update(
                actions=[SpendWindow.settle_by.set(expires)],
                condition=SpendWindow.settle_by > expires,
                add_version_condition=False,
            )
        except UpdateError as exc:  # the reservation is made: the reconciler just sees its lapse later
            if exc.cause_response_code != "ConditionalCheckFailedException":
                logger.warning("spend window index not lowered", exc_info=True, extra={"user_id": user_id})
    return window


def write_window(window: Window) -> bool:
    """Store ``window`` if nobody changed it since it was read; False when someone did (or a
    transaction is changing it)."""
    due = settle_by(window)
    item = SpendWindow(
        window.user_id,
        window.asset,
        hourly=window.hourly,
        reservations=window.reservations,
        committed=window.committed,
        unresolved=window.unresolved,
        unsettled=window.asset if due is not None else None,  # in the sparse index while something is open
        settle_by=due,
        total=sum(window.hourly.values())
        + sum(r["amount"] for r in window.reservations.values())
        + sum(r["amount"] for r in window.unresolved.values()),
    )
    if window.version is not None:  # a stored window: the save is conditional on this version
        item.version = window.version
    try:
        item.save()
    except PutError as exc:
        # Changed since it was read, or being changed now (a commit's transaction): read it again.
        if exc.cause_response_code not in ("ConditionalCheckFailedException", TRANSACTION_CONFLICT):
            raise
        return False
    return True


def unsettled_windows(asset: str, *, due_by: int) -> list[str]:
    """The users whose ``asset`` window holds a reservation whose lease ran out, or an unresolved
    one, by ``due_by`` (epoch seconds): a query of the sparse ``by_unsettled`` index."""
    return [item.user_id for item in SpendWindow.by_unsettled.query(asset, SpendWindow.settle_by <= due_by)]
