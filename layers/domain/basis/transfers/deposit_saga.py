"""Steps of the deposit saga, each invoked by a Step Functions Task state.

Every step is idempotent: it moves the transfer's ``stage`` forward with a version-checked write,
and a retried step that finds the stage already advanced answers the same result again.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from basis.platform.errors import NotFoundError
from basis.platform.observability import logger
from basis.policies.amounts import AmountError, require_bridge_deposit
from basis.policies.settings import PolicySettings
from basis.transfers import store
from basis.transfers.store import TransferRecord


class StepInput(BaseModel):
    step: str = Field(pattern=r"^(validate|fail)$")
    user_id: str = Field(min_length=1)
    transfer_id: str = Field(min_length=1)
    error: dict[str, str] | None = None


class UnknownTransferError(NotFoundError):
    """The saga was started for a transfer that does not exist (never retried usefully)."""


def _load(user_id: str, transfer_id: str) -> TransferRecord:
    transfer = store.get(user_id, transfer_id)
    if transfer is None:
        raise UnknownTransferError(f"no transfer {transfer_id} for user {user_id}")
    return transfer


def validate(step: StepInput, settings: PolicySettings) -> dict[str, object]:
    transfer = _load(step.user_id, step.transfer_id)
    if transfer.stage != "initiated":  # a retry after the stage already moved: same answer
        return {
            "valid": transfer.stage not in {"rejected", "failed"},
            "reason": transfer.error or "",
            "stage": transfer.stage,
        }
    amount = transfer.amount_usdc
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
    store.advance(transfer, stage, reason or None)
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
        store.advance(transfer, "failed", detail)
    return {"stage": "failed"}


def run_step(step: StepInput, settings: PolicySettings) -> dict[str, object]:
    if step.step == "validate":
        return validate(step, settings)
    return fail(step)
