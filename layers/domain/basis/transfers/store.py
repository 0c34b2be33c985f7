"""The transfer store: deposits and withdrawals with the saga stage each has reached.

Reads are consistent (a saga starts right after its transfer is written); a stage change is
version-checked, so two runs of one step cannot both move the same transfer. DynamoDB trouble that
means "not now" (throttling, a transaction conflict) is raised as ``TransientError`` so the state
machine retries the step; anything else propagates as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from decimal import Decimal

from pynamodb.exceptions import DoesNotExist, PynamoDBException
from pynamodb.expressions.update import Action

from basis.models import Transfer
from basis.models.base import utcnow
from basis.platform.errors import TransientError

# DynamoDB errors that mean "not now" rather than "never".
RETRIABLE_DYNAMODB_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "TransactionConflictException",
    }
)


@dataclass(frozen=True)
class TransferRecord:
    user_id: str
    transfer_id: str
    kind: str  # deposit | withdrawal
    stage: str
    amount_usdc: Decimal
    error: str | None
    version: int | None


@contextmanager
def _transient_when_retriable() -> Iterator[None]:
    try:
        yield
    except PynamoDBException as exc:
        if exc.cause_response_code in RETRIABLE_DYNAMODB_ERRORS:
            raise TransientError(f"DynamoDB {exc.cause_response_code}: retry the step") from exc
        raise


def get(user_id: str, transfer_id: str) -> TransferRecord | None:
    try:
        with _transient_when_retriable():
            item = Transfer.get(user_id, transfer_id, consistent_read=True)
    except DoesNotExist:
        return None
    return TransferRecord(**{f.name: getattr(item, f.name) for f in fields(TransferRecord)})


def advance(transfer: TransferRecord, stage: str, error: str | None = None) -> None:
    """Move ``transfer`` to ``stage`` (with ``error``, or clearing it), if it is unchanged since read."""
    item = Transfer(transfer.user_id, transfer.transfer_id)
    if transfer.version is not None:  # the update is conditional on the version read
        item.version = transfer.version
    actions: list[Action] = [
        Transfer.stage.set(stage),
        Transfer.updated_at.set(utcnow()),
        Transfer.error.set(error) if error else Transfer.error.remove(),
    ]
    with _transient_when_retriable():
        item.update(actions=actions)
