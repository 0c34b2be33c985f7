"""The transfer store: deposits and withdrawals with the saga stage each has reached.

Reads are consistent (a saga starts right after its transfer is written); every write is
version-checked, so two runs of one step cannot both move the same transfer. Amounts are exact
decimal text (``amount``), never floats. DynamoDB trouble that means "not now" (throttling, a
transaction conflict) is raised as ``TransientError`` so the state machine retries the step;
anything else propagates as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException
from pynamodb.expressions.update import Action

from basis.models import Transfer
from basis.models.base import RETRIABLE_DYNAMODB_ERRORS, utcnow
from basis.platform.errors import TransientError

SAGA_KINDS = ("deposit", "withdrawal")


@dataclass(frozen=True)
class TransferRecord:
    user_id: str
    transfer_id: str
    kind: str  # deposit | withdrawal
    stage: str
    amount_usdc: Decimal
    error: str | None
    version: int | None
    tx_hash: str | None = None
    payout_tx_hash: str | None = None  # a withdrawal's payout on Arbitrum
    destination: str | None = None  # a withdrawal's registered withdrawal address to deliver to
    delivery_tx_hash: str | None = None  # the delivery there
    prepared: str | None = None  # the unsigned transaction, stored before it is sent
    needs_reconciliation: bool = False
    redrives: int = 0  # how often the reconciler re-drove the saga
    created_at: datetime | None = None
    updated_at: datetime | None = None


@contextmanager
def _transient_when_retriable() -> Iterator[None]:
    try:
        yield
    except PynamoDBException as exc:
        if exc.cause_response_code in RETRIABLE_DYNAMODB_ERRORS:
            raise TransientError(f"DynamoDB {exc.cause_response_code}: retry the step") from exc
        raise


def _record(item: Transfer) -> TransferRecord:
    return TransferRecord(
        user_id=item.user_id,
        transfer_id=item.transfer_id,
        kind=item.kind,
        stage=item.stage,
        amount_usdc=Decimal(item.amount or "0"),
        error=item.error,
        version=item.version,
        tx_hash=item.tx_hash,
        payout_tx_hash=item.payout_tx_hash,
        destination=item.destination,
        delivery_tx_hash=item.delivery_tx_hash,
        prepared=item.prepared,
        needs_reconciliation=bool(item.needs_reconciliation),
        redrives=int(item.redrives or 0),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def get(user_id: str, transfer_id: str) -> TransferRecord | None:
    try:
        with _transient_when_retriable():
            item = Transfer.get(user_id, transfer_id, consistent_read=True)
    except DoesNotExist:
        return None
    return _record(item)


def create(
    user_id: str, transfer_id: str, kind: str, amount_usdc: str, destination: str | None = None
) -> tuple[TransferRecord, bool]:
    """The transfer ``transfer_id`` and whether this call created it (``False``: it existed)."""
    now = utcnow()
    item = Transfer(
        user_id,
        transfer_id,
        kind=kind,
        amount=amount_usdc,
        destination=destination,
        stage="initiated",
        created_at=now,
        updated_at=now,
    )
    try:
        with _transient_when_retriable():
            item.save(condition=Transfer.transfer_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        existing = get(user_id, transfer_id)
        if existing is None:  # deleted in between: cannot happen, transfers are never deleted
            raise
        return existing, False
    return _record(item), True


def list_for_user(user_id: str) -> list[TransferRecord]:
    """The user's deposits and withdrawals, newest first."""
    with _transient_when_retriable():
        rows = [_record(i) for i in Transfer.query(user_id) if i.kind in SAGA_KINDS]
    return sorted(rows, key=lambda r: r.created_at or r.updated_at or utcnow(), reverse=True)


def in_stage(stage: str, *, kind: str = "deposit", before: datetime | None = None) -> list[TransferRecord]:
    """The transfers of ``kind`` at ``stage`` (last moved before ``before``): a query of the
    ``by_stage`` index (stage + updated_at), never a scan."""
    condition = Transfer.updated_at < before if before is not None else None
    with _transient_when_retriable():
        return [
            _record(i)
            for i in Transfer.by_stage.query(
                stage, range_key_condition=condition, filter_condition=Transfer.kind == kind
            )
        ]


def count_in_stage(stage: str, *, kind: str = "deposit") -> int:
    with _transient_when_retriable():
        return int(Transfer.by_stage.count(stage, filter_condition=Transfer.kind == kind))


def _update(transfer: TransferRecord, actions: list[Action]) -> TransferRecord:
    item = Transfer(transfer.user_id, transfer.transfer_id)
    if transfer.version is not None:  # the update is conditional on the version read
        item.version = transfer.version
    with _transient_when_retriable():
        item.update(actions=[*actions, Transfer.updated_at.set(utcnow())])
    return _record(item)


def advance(transfer: TransferRecord, stage: str, error: str | None = None) -> TransferRecord:
    """Move ``transfer`` to ``stage`` (with ``error``, or clearing it), if it is unchanged since read."""
    return _update(
        transfer, [Transfer.stage.set(stage), Transfer.error.set(error) if error else Transfer.error.remove()]
    )


def record_prepared(transfer: TransferRecord, prepared: str) -> TransferRecord:
    """The transaction about to be sent: every later attempt resends exactly this one."""
    return _update(transfer, [Transfer.prepared.set(prepared)])


def record_sent(transfer: TransferRecord, tx_hash: str, stage: str) -> TransferRecord:
    return _update(
        transfer, [Transfer.tx_hash.set(tx_hash), Transfer.stage.set(stage), Transfer.error.remove()]
    )


def record_paid_out(transfer: TransferRecord, payout_tx_hash: str, stage: str) -> TransferRecord:
    """A withdrawal's USDC arrived on Arbitrum in ``payout_tx_hash``: ``completed``, or
    ``paid_out`` when it is still to be delivered."""
    return _update(
        transfer,
        [
            Transfer.payout_tx_hash.set(payout_tx_hash),
            Transfer.stage.set(stage),
            Transfer.error.remove(),
            Transfer.needs_reconciliation.remove(),  # the reconciler may be the one that saw it
        ],
    )


def record_delivery(transfer: TransferRecord, tx_hash: str) -> TransferRecord:
    """A withdrawal's payout was sent on to its destination in ``tx_hash``: ``delivering``."""
    return _update(
        transfer,
        [Transfer.delivery_tx_hash.set(tx_hash), Transfer.stage.set("delivering"), Transfer.error.remove()],
    )


def mark_for_reconciliation(transfer: TransferRecord, error: str) -> TransferRecord:
    """Funds may have left the wallet: the stage stays as it is, the reconciler resolves it."""
    return _update(transfer, [Transfer.needs_reconciliation.set(True), Transfer.error.set(error)])


def reconciled(transfer: TransferRecord, stage: str, error: str | None = None) -> TransferRecord:
    """The reconciler resolved ``transfer``: it is at ``stage`` (with ``error``, or clearing it) and
    no longer waits for it."""
    return _update(
        transfer,
        [
            Transfer.stage.set(stage),
            Transfer.error.set(error) if error else Transfer.error.remove(),
            Transfer.needs_reconciliation.remove(),
        ],
    )


def found_on_chain(transfer: TransferRecord, tx_hash: str, stage: str) -> TransferRecord:
    """The reconciler found the transfer's transaction (or action) on chain: ``tx_hash`` recorded
    at ``stage``, still marked so that what follows (the credit, the payout) is re-polled."""
    return _update(
        transfer,
        [
            Transfer.tx_hash.set(tx_hash),
            Transfer.stage.set(stage),
            Transfer.error.remove(),
            Transfer.needs_reconciliation.set(True),
        ],
    )


def redriven(transfer: TransferRecord, *, resend_at: str | None = None) -> TransferRecord:
    """The reconciler found the transaction never sent and re-drives the saga to send it: one more
    re-drive counted (it names the execution), the mark and the error cleared. ``resend_at``: the
    hash recorded for it never reached the chain (dropped): forgotten (a deposit's, or a
    withdrawal's delivery), the transfer back at the stage its send step starts from."""
    actions: list[Action] = [
        Transfer.redrives.add(1),
        Transfer.error.remove(),
        Transfer.needs_reconciliation.remove(),
    ]
    if resend_at is not None:
        sent = Transfer.delivery_tx_hash if transfer.kind == "withdrawal" else Transfer.tx_hash
        actions += [sent.remove(), Transfer.stage.set(resend_at)]
    return _update(transfer, actions)
