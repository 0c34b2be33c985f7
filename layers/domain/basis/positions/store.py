"""The position store: each hedged position, its two legs and its status history.

The row is the only truth about a position (N10): the sagas keep nothing between invocations, they
read the row, write what they are about to ask a venue for (the leg's client id) BEFORE asking, and
write what came back after. Reads are consistent; every write is conditional on the version read
(``StaleVersionError`` when the row moved since: re-read and decide again). Amounts are Decimals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from pynamodb.exceptions import DoesNotExist, PynamoDBException
from pynamodb.expressions.update import Action

from basis.models import Position
from basis.models.base import RETRIABLE_DYNAMODB_ERRORS, utcnow
from basis.models.positions import Leg, StatusChange
from basis.platform.errors import ConflictError, TransientError

# Nothing is open at a venue any more (or a person must look: stuck_unwind). Never re-entered.
FINAL = frozenset({"closed", "failed", "stuck_unwind"})


def now() -> datetime:
    """The time the rows record (UTC)."""
    return utcnow()


class StaleVersionError(ConflictError, code="stale_version"):
    """The position moved since it was read: read it again."""


@dataclass(frozen=True)
class LegRecord:
    venue: str  # hyperliquid | asgard
    status: str = "pending"  # pending | sending | open | failed | closing | closed
    attempt: int = 0
    client_id: str | None = None  # HL cloid / Asgard position PDA of the open attempt
    close_attempt: int = 0
    close_client_id: str | None = None
    submitted_at: datetime | None = None
    venue_ref: str | None = None
    close_ref: str | None = None
    size: Decimal | None = None
    entry_price: Decimal | None = None
    exit_price: Decimal | None = None
    fees_usd: Decimal | None = None
    collateral_usd: Decimal | None = None
    debt_usd: Decimal | None = None
    proceeds_usd: Decimal | None = None
    closed_pnl_usd: Decimal | None = None
    funding_usd: Decimal | None = None
    interest_usd: Decimal | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    error: str | None = None

    @property
    def is_open(self) -> bool:
        """Open at the venue (a close may be under way)."""
        return self.status in ("open", "closing")


LEG_FIELDS = tuple(f.name for f in fields(LegRecord))


class StatusChangeRecord(NamedTuple):
    """One move of the position's status, as the history keeps it."""

    status: str
    at: datetime
    detail: str | None


@dataclass(frozen=True)
class Terms:
    """What a position is: fixed when it is opened."""

    mode: str  # live | paper
    asset: str
    size_usd: Decimal  # each leg's notional at entry
    leverage: Decimal


@dataclass(frozen=True)
class PositionRecord:
    user_id: str
    position_id: str
    status: str
    mode: str  # live | paper
    asset: str
    size_usd: Decimal
    leverage: Decimal
    reason: str | None
    intent_key: str | None
    short: LegRecord
    long: LegRecord
    opened_at: datetime
    closed_at: datetime | None
    close_requested: str | None
    close_reason: str | None
    realized_pnl_usd: Decimal | None
    error: str | None
    history: tuple[StatusChangeRecord, ...]
    created_at: datetime | None
    updated_at: datetime | None
    version: int | None

    @property
    def paper(self) -> bool:
        return self.mode == "paper"

    @property
    def terms(self) -> Terms:
        return Terms(self.mode, self.asset, self.size_usd, self.leverage)

    def leg(self, side: str) -> LegRecord:
        return self.short if side == "short" else self.long


@contextmanager
def _dynamodb() -> Iterator[None]:
    """DynamoDB's "not now" as ``TransientError``, a lost version race as ``StaleVersionError``."""
    try:
        yield
    except PynamoDBException as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise StaleVersionError("the position changed since it was read") from exc
        if exc.cause_response_code in RETRIABLE_DYNAMODB_ERRORS:
            raise TransientError(f"DynamoDB {exc.cause_response_code}: retry") from exc
        raise


def _leg(item: Leg | None, venue: str) -> LegRecord:
    if item is None:
        return LegRecord(venue)
    values = {name: getattr(item, name) for name in LEG_FIELDS}
    values["attempt"], values["close_attempt"] = (
        int(values["attempt"] or 0),
        int(values["close_attempt"] or 0),
    )
    return LegRecord(**values)


def _leg_item(leg: LegRecord) -> Leg:
    return Leg(**{name: getattr(leg, name) for name in LEG_FIELDS if getattr(leg, name) is not None})


# The attributes a record reads as they are (the legs and the history are converted).
PLAIN = tuple(f.name for f in fields(PositionRecord) if f.name not in ("short", "long", "history"))


def _record(item: Position) -> PositionRecord:
    return PositionRecord(
        **{name: getattr(item, name) for name in PLAIN},
        short=_leg(item.short_leg, "hyperliquid"),
        long=_leg(item.long_leg, "asgard"),
        history=tuple(StatusChangeRecord(c.status, c.at, c.detail) for c in item.history or []),
    )


def get(user_id: str, position_id: str) -> PositionRecord | None:
    try:
        with _dynamodb():
            return _record(Position.get(user_id, position_id, consistent_read=True))
    except DoesNotExist:
        return None


def create(
    user_id: str, position_id: str, terms: Terms, reason: str | None, intent_key: str | None
) -> tuple[PositionRecord, bool]:
    """The position ``position_id`` (status ``opening``) and whether this call created it."""
    now = utcnow()
    item = Position(
        user_id,
        position_id,
        **asdict(terms),
        status="opening",
        reason=reason,
        intent_key=intent_key,
        short_leg=_leg_item(LegRecord("hyperliquid")),
        long_leg=_leg_item(LegRecord("asgard")),
        opened_at=now,
        created_at=now,
        updated_at=now,
        history=[StatusChange(status="opening", at=now, detail=reason)],
    )
    try:
        with _dynamodb():
            item.save(condition=Position.position_id.does_not_exist())
    except StaleVersionError:  # the condition failed: the position exists
        existing = get(user_id, position_id)
        if existing is None:  # positions are never deleted
            raise
        return existing, False
    return _record(item), True


def list_for_user(user_id: str, *, consistent: bool = False) -> list[PositionRecord]:
    """The user's positions, newest first (``consistent``: every write before the call included)."""
    with _dynamodb():
        rows = [_record(item) for item in Position.query(user_id, consistent_read=consistent)]
    return sorted(rows, key=lambda p: p.created_at or p.opened_at, reverse=True)


def in_status(status: str) -> list[PositionRecord]:
    """Every position in ``status`` (a query of ``by_status``, never a scan), oldest first."""
    with _dynamodb():
        return [_record(item) for item in Position.by_status.query(status)]


def count_in_status(status: str) -> int:
    with _dynamodb():
        return int(Position.by_status.count(status))


def update(
    position: PositionRecord, *, status: str | None = None, detail: str | None = None, **changes: Any
) -> PositionRecord:
    """One write, conditional on the version read: the legs in ``changes`` (``short``, ``long``: a
    ``LegRecord``), the other ``changes`` (attribute names of the position: ``error``,
    ``closed_at``, ``close_reason``, ``close_requested``, ``realized_pnl_usd``, ``opened_at``; None
    removes) and a move to ``status``, recorded in the history with ``detail``."""
    now = utcnow()
    actions: list[Action] = [Position.updated_at.set(now)]
    for name, value in changes.items():
        if name in ("short", "long"):
            actions.append(getattr(Position, f"{name}_leg").set(_leg_item(value)))
            continue
        attribute = getattr(Position, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    if status is not None:
        actions.append(Position.status.set(status))
        change = StatusChange(status=status, at=now, detail=detail[:500] if detail else None)
        actions.append(Position.history.set(Position.history.append([change])))
    item = Position(position.user_id, position.position_id)
    item.version = position.version  # the write is conditional on the version read
    with _dynamodb():
        item.update(actions=actions)
    return _record(item)
