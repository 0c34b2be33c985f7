"""The store of transfers out of server wallets (``kind = outbound`` rows of the transfers table).

One row per ``(user, transfer id)``; the id is derived from the request's ``Idempotency-Key``, so a
retried request finds the row of the first. A request works on a row only while it holds the row's
lease (a conditional write): two requests with one key never send concurrently, and a request that
died mid-way leaves a row the next retry takes over once the lease has expired. The unsigned
transaction is stored before it is sent, so a retry resends the very same transaction with the same
Privy idempotency key: Privy answers it once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pynamodb.exceptions import PutError, UpdateError

from basis.models import Transfer
from basis.models.base import utcnow

SENT, FAILED, IN_PROGRESS = "sent", "failed", "in_progress"


@dataclass(frozen=True)
class Outbound:
    user_id: str
    transfer_id: str
    chain: str
    asset: str
    amount: str
    destination: str
    request_hash: str
    stage: str
    tx_hash: str | None
    prepared: str | None
    error: str | None
    version: int | None  # each write is conditional on it: no two requests change one row at once


def _of(item: Transfer) -> Outbound:
    return Outbound(
        user_id=item.user_id,
        transfer_id=item.transfer_id,
        chain=str(item.chain),
        asset=str(item.asset),
        amount=str(item.amount),
        destination=str(item.destination),
        request_hash=str(item.request_hash),
        stage=item.stage,
        tx_hash=item.tx_hash,
        prepared=item.prepared,
        error=item.error,
        version=item.version,
    )


def get(user_id: str, transfer_id: str) -> Outbound | None:
    try:
        return _of(Transfer.get(user_id, transfer_id, consistent_read=True))
    except Transfer.DoesNotExist:
        return None


def claim(
    user_id: str, transfer_id: str, what: tuple[str, str, str, str, str], lease_seconds: float
) -> tuple[Outbound, bool]:
    """The row and whether this request now holds its lease: a new row is created held; an
    unfinished row whose lease expired is taken over; otherwise the row is returned, not held.
    ``what`` is the transfer: chain, asset, amount (decimal text), destination, request hash."""
    chain, asset, amount, destination, request_hash = what
    now = time.time()
    item = Transfer(
        user_id,
        transfer_id,
        kind="outbound",
        stage=IN_PROGRESS,
        chain=chain,
        asset=asset,
        amount=amount,
        destination=destination,
        request_hash=request_hash,
        lease_until=now + lease_seconds,
    )
    try:
        item.save(condition=Transfer.transfer_id.does_not_exist())
        return _of(item), True
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    existing = Transfer.get(user_id, transfer_id, consistent_read=True)
    if existing.stage != IN_PROGRESS or existing.request_hash != request_hash:
        return _of(existing), False
    try:
        existing.update(
            actions=[Transfer.lease_until.set(now + lease_seconds)],
            condition=(Transfer.stage == IN_PROGRESS) & (Transfer.lease_until < now),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return _of(existing), False
    return _of(existing), True


def _item(row: Outbound) -> Transfer:
    item = Transfer(row.user_id, row.transfer_id)
    item.version = row.version
    return item


def _finish(row: Outbound, **changes: str | None) -> Outbound:
    item = _item(row)
    actions = [getattr(Transfer, name).set(value) for name, value in changes.items() if value is not None]
    item.update(actions=[*actions, Transfer.updated_at.set(utcnow()), Transfer.lease_until.remove()])
    return _of(item)


def record_prepared(row: Outbound, prepared: str) -> Outbound:
    """The transaction about to be sent: a retry resends exactly this one."""
    item = _item(row)
    item.update(actions=[Transfer.prepared.set(prepared)])
    return _of(item)


def record_sent(row: Outbound, tx_hash: str) -> Outbound:
    return _finish(row, stage=SENT, tx_hash=tx_hash)


def record_failed(row: Outbound, error: str) -> Outbound:
    return _finish(row, stage=FAILED, error=error)


def forget(row: Outbound) -> None:
    """Refused before anything was signed: the row goes, so the same key may be used again."""
    _item(row).delete(condition=Transfer.tx_hash.does_not_exist())
