"""The signing ledger store: one row per signing request (24 h, TTL) and the per-user spend windows.

* ``append`` writes a request's row in its hour bucket; ``rows_since`` reads the buckets back;
* a spend window (one per user and asset) holds hourly committed totals, pending reservations,
  the reservations already committed and the unresolved ones (their lease ran out unsettled).
  ``read_window`` / ``write_window`` are the two halves of a read-modify-write guarded by the
  window's version: ``write_window`` answers False when another request changed the window in
  between (read it again and redo the change). ``unsettled_windows`` finds the windows whose
  reservations need settling through the sparse ``by_unsettled`` index, never a scan.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from basis.models import SigningRecord, SpendWindow

LEDGER_TTL_SECONDS = 24 * 3600


class LedgerWriteError(Exception):
    """A ledger row could not be written."""


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


def bucket_of(at: datetime) -> str:
    return at.strftime("%Y%m%d%H")


def append(event: SigningEvent) -> None:
    """Write the row of a request made now; ``LedgerWriteError`` when DynamoDB refuses it."""
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
    try:
        row.save()
    except PutError as exc:
        raise LedgerWriteError(str(exc)) from exc


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
    return Window(
        user_id,
        asset,
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
    )


def settle_by(window: Window) -> int | None:
    """When ``window`` next needs settling: its first lease to run out, or the oldest unresolved
    reservation's lapse; None while it holds neither."""
    due = [r["expires"] for r in window.reservations.values()] + [
        r["since"] for r in window.unresolved.values()
    ]
    return min(due, default=None)


def write_window(window: Window) -> bool:
    """Store ``window`` if nobody changed it since it was read; False when someone did."""
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
    )
    if window.version is not None:  # a stored window: the save is conditional on this version
        item.version = window.version
    try:
        item.save()
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def unsettled_windows(asset: str, *, due_by: int) -> list[str]:
    """The users whose ``asset`` window holds a reservation whose lease ran out, or an unresolved
    one, by ``due_by`` (epoch seconds): a query of the sparse ``by_unsettled`` index."""
    return [item.user_id for item in SpendWindow.by_unsettled.query(asset, SpendWindow.settle_by <= due_by)]
