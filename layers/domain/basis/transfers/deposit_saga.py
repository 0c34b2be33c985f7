"""Steps of the deposit saga, each invoked by a Step Functions Task state.

Every step is idempotent: it moves the transfer's ``stage`` forward with a version-checked write,
and a retried step that finds the stage already advanced answers the same result again.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from basis.models import Transfer
from basis.models.base import utcnow
from basis.platform.errors import NotFoundError, TransientError
from basis.platform.observability import logger
from basis.policies.amounts import AmountError, require_bridge_deposit
from basis.policies.settings import PolicySettings


class StepInput(BaseModel):
    step: str = Field(pattern=r"^(validate|fail)$")
    user_id: str = Field(min_length=1)
    transfer_id: str = Field(min_length=1)
    error: dict[str, str] | None = None


# DynamoDB errors that mean "not now" rather than "never": the state machine retries the step.
RETRIABLE_DYNAMODB_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "TransactionConflictException",
    }
)


class UnknownTransferError(NotFoundError):
    """The saga was started for a transfer that does not exist (never retried usefully)."""


def _load(user_id: str, transfer_id: str) -> Transfer:
    try:
        # Consistent: the saga starts right after the transfer is written.
        return Transfer.get(user_id, transfer_id, consistent_read=True)
    except DoesNotExist as exc:
        raise UnknownTransferError(f"no transfer {transfer_id} for user {user_id}") from exc


def _advance(transfer: Transfer, stage: str, error: str | None = None) -> None:
    transfer.update(
        actions=[
            Transfer.stage.set(stage),
            Transfer.updated_at.set(utcnow()),
            Transfer.error.set(error) if error else Transfer.error.remove(),
        ]
    )


def validate(step: StepInput, settings: PolicySettings) -> dict[str, object]:
    transfer = _load(step.user_id, step.transfer_id)
    if transfer.stage != "initiated":  # a retry after the stage already moved: same answer
        return {
            "valid": transfer.stage not in {"rejected", "failed"},
            "reason": transfer.error or "",
            "stage": transfer.stage,
        }
    amount = Decimal(str(transfer.amount_usdc))
    reason = ""
    if transfer.kind != "deposit":
        reason = f"transfer is a {transfer.kind}, not a deposit"
    elif amount > settings.max_auto_bridge_usdc:
        reason = (
            f"{amount} USDC exceeds the per-deposit cap of {settings.max_auto_bridge_usdc} USDC; split it"
        )
    else:
        try:  # the bridge minimum, the policy's per-transaction cap, at most 6 decimals
            require_bridge_deposit(amount, settings)
        except AmountError as exc:
            reason = str(exc)
    stage = "rejected" if reason else "validated"
    _advance(transfer, stage, reason or None)
    logger.info(
        "deposit validated",
        extra={"user_id": step.user_id, "transfer_id": step.transfer_id, "stage": stage, "reason": reason},
    )
    return {"valid": not reason, "reason": reason, "stage": stage}


def fail(step: StepInput) -> dict[str, object]:
    detail = ((step.error or {}).get("Cause") or (step.error or {}).get("Error") or "saga failed")[:500]
    logger.error(
        "deposit saga failed",
        extra={"user_id": step.user_id, "transfer_id": step.transfer_id, "error": detail},
    )
    try:
        transfer = _load(step.user_id, step.transfer_id)
    except UnknownTransferError:
        return {"stage": "unknown"}  # nothing to mark: the saga was started for a missing transfer
    if transfer.stage not in {"failed", "rejected"}:
        _advance(transfer, "failed", detail)
    return {"stage": "failed"}


def run_step(step: StepInput, settings: PolicySettings) -> dict[str, object]:
    try:
        if step.step == "validate":
            return validate(step, settings)
        return fail(step)
    except PynamoDBException as exc:
        if exc.cause_response_code in RETRIABLE_DYNAMODB_ERRORS:
            raise TransientError(f"DynamoDB {exc.cause_response_code}: retry the step") from exc
        raise
