"""Deposits asked for through the API, and the caller's funding operations.

A deposit is refused with a 400 before anything starts when it is over ``MAX_AUTO_BRIDGE_USDC``
(N12: the caller is told to split it), under the 5 USDC bridge minimum or finer than 6 decimals.
Otherwise its transfer row is written and the deposit saga started under the transfer's id. With an
``Idempotency-Key`` the id is derived from the user and the key, so a repeated request finds the
first row, and Step Functions refuses a second execution of the same name: one key, one saga.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from decimal import Decimal

from basis.chains.amounts import AmountError, parse_decimal
from basis.identity import users
from basis.platform.aws import client
from basis.platform.errors import ConfigurationError, ConflictError, NotFoundError
from basis.platform.observability import logger
from basis.policies.amounts import require_bridge_deposit
from basis.policies.settings import get_policy_settings
from basis.transfers import store
from basis.transfers.settings import get_funding_settings
from basis.transfers.store import TransferRecord


class OperationNotFoundError(NotFoundError, code="operation_not_found"):
    """No funding operation with this id for the caller (another user's id included)."""


def deposit_id(user_id: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return f"dep-{uuid.uuid4().hex}"
    return "dep-" + hashlib.sha256(f"{user_id}\n{idempotency_key}".encode()).hexdigest()[:32]


def check_amount(amount_text: str) -> Decimal:
    """The deposit's exact amount, or ``AmountError`` (a 400) naming the limit it breaks."""
    settings = get_policy_settings()
    amount = parse_decimal(amount_text)
    limit = settings.max_auto_bridge_usdc
    if amount > limit:
        raise AmountError(
            f"a deposit of {amount} USDC is over MAX_AUTO_BRIDGE_USDC ({limit} USDC): "
            f"split it into deposits of at most {limit} USDC",
            field="amount_usdc",
            limit=str(limit),
        )
    require_bridge_deposit(amount, settings)
    return amount


def start_deposit(user_id: str, amount_text: str, idempotency_key: str | None) -> TransferRecord:
    amount = check_amount(amount_text)
    if not users.require(user_id).wallets.evm_address:
        raise ConflictError("the EVM server wallet is not ready yet: retry once it is")
    transfer, created = store.create(user_id, deposit_id(user_id, idempotency_key), "deposit", str(amount))
    if transfer.amount_usdc != amount:
        raise ConflictError("this Idempotency-Key was used for another deposit: use a new key")
    _start_saga(transfer)  # also when the row existed: a request that died before starting it
    logger.info("deposit requested", extra={"transfer_id": transfer.transfer_id, "new_transfer": created})
    return operation(user_id, transfer.transfer_id)


def _start_saga(transfer: TransferRecord) -> None:
    machine = get_funding_settings().deposit_saga_arn
    if machine is None:
        raise ConfigurationError("BASIS_DEPOSIT_SAGA_ARN is not set: this function cannot start deposits")
    sfn = client("stepfunctions")
    with contextlib.suppress(sfn.exceptions.ExecutionAlreadyExists):  # it runs (or ran): one saga
        sfn.start_execution(
            stateMachineArn=machine,
            name=transfer.transfer_id,
            input=json.dumps({"user_id": transfer.user_id, "transfer_id": transfer.transfer_id}),
        )


def operation(user_id: str, transfer_id: str) -> TransferRecord:
    transfer = store.get(user_id, transfer_id)  # keyed by the caller: another user's id is not found
    if transfer is None or transfer.kind not in store.SAGA_KINDS:
        raise OperationNotFoundError(f"no funding operation {transfer_id}")
    return transfer


def operations(user_id: str) -> list[TransferRecord]:
    return store.list_for_user(user_id)
