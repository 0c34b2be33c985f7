"""Deposits and withdrawals asked for through the API, and the caller's funding operations.

A deposit is refused with a 400 before anything starts when it is over ``MAX_AUTO_BRIDGE_USDC``
(N12: the caller is told to split it), under the 5 USDC bridge minimum or finer than 6 decimals.
Otherwise its transfer row is written and the deposit saga started under the transfer's id. With an
``Idempotency-Key`` the id is derived from the user and the key, so a repeated request finds the
first row, and Step Functions refuses a second execution of the same name: one key, one saga.

A withdrawal is refused with a 400 before anything starts when it is over Hyperliquid's
``withdrawable`` (N9: the answer names the exact amount available; open positions only lower it),
not above the bridge's 1 USDC fee, or finer than 6 decimals; then its withdrawal saga starts the
same way, delivering to the user's own server wallet. With a ``destination`` it must be one of the
user's active registered withdrawal addresses (else a 400, nothing stored or started), and the
saga sends the payout on there: the payout (the amount less the bridge's fee) must then be within
``MAX_USDC_PER_TX``, the most the platform's policy lets it send at once.
"""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal

from basis.chains.addresses import evm_address
from basis.chains.amounts import AmountError, parse_decimal, usdc_base_units
from basis.identity import users
from basis.platform.errors import ConflictError, NotFoundError
from basis.platform.observability import logger
from basis.policies.amounts import require_bridge_deposit
from basis.policies.settings import get_policy_settings
from basis.transfers import executions, store
from basis.transfers.store import TransferRecord
from basis.wallets import withdrawal_addresses


class OperationNotFoundError(NotFoundError, code="operation_not_found"):
    """No funding operation with this id for the caller (another user's id included)."""


def operation_id(prefix: str, user_id: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return f"{prefix}-{uuid.uuid4().hex}"
    return f"{prefix}-" + hashlib.sha256(f"{user_id}\n{idempotency_key}".encode()).hexdigest()[:32]


def deposit_id(user_id: str, idempotency_key: str | None) -> str:
    return operation_id("dep", user_id, idempotency_key)


def withdrawal_id(user_id: str, idempotency_key: str | None) -> str:
    return operation_id("wd", user_id, idempotency_key)


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


def _evm_address(user_id: str) -> str:
    address = users.require(user_id).wallets.evm_address
    if not address:
        raise ConflictError("the EVM server wallet is not ready yet: retry once it is")
    return address


def start_deposit(user_id: str, amount_text: str, idempotency_key: str | None) -> TransferRecord:
    amount = check_amount(amount_text)
    _evm_address(user_id)
    return _start(user_id, deposit_id(user_id, idempotency_key), "deposit", amount)


def check_withdrawal(address: str, amount_text: str) -> Decimal:
    """The withdrawal's exact amount, or ``AmountError`` (a 400): not above the bridge fee, finer
    than 6 decimals, or over Hyperliquid's ``withdrawable`` (naming the exact amount available)."""
    from basis.platform.config import get_settings
    from basis.venues.hyperliquid.trader import (
        WITHDRAW_FEE_USDC,
        HyperliquidTrader,
        InsufficientWithdrawableError,
    )

    amount = parse_decimal(amount_text)
    usdc_base_units(amount)  # at most 6 decimals
    if amount <= WITHDRAW_FEE_USDC:
        raise AmountError(
            f"a withdrawal must exceed the bridge's {WITHDRAW_FEE_USDC} USDC fee", field="amount_usdc"
        )
    available = HyperliquidTrader(
        str(get_settings().hyperliquid_api_url), None, address
    ).get_withdrawable_balance()
    if amount > available:
        raise InsufficientWithdrawableError(amount, available)
    return amount


def start_withdrawal(
    user_id: str, amount_text: str, idempotency_key: str | None, *, destination: str | None = None
) -> TransferRecord:
    transfer_id = withdrawal_id(user_id, idempotency_key)
    existing = store.get(user_id, transfer_id)
    if existing is not None:  # the same key again: the same operation, not a new withdrawable check
        amount = parse_decimal(amount_text)
        to = evm_address(destination, "destination") if destination else None
    else:
        to = withdrawal_addresses.active_destination(user_id, destination) if destination else None
        amount = check_withdrawal(_evm_address(user_id), amount_text)
        if to is not None:
            check_delivery(amount)
    return _start(user_id, transfer_id, "withdrawal", amount, to)


def check_delivery(amount: Decimal) -> None:
    """The payout of a withdrawal of ``amount`` can be delivered in one transfer (a 400 if not)."""
    from basis.venues.hyperliquid.trader import WITHDRAW_FEE_USDC

    limit = get_policy_settings().max_usdc_per_tx
    if amount - WITHDRAW_FEE_USDC > limit:
        raise AmountError(
            f"a delivered withdrawal pays out at most MAX_USDC_PER_TX ({limit} USDC) at once: "
            f"withdraw at most {limit + WITHDRAW_FEE_USDC} USDC per withdrawal",
            field="amount_usdc",
            limit=str(limit + WITHDRAW_FEE_USDC),
        )


def _start(
    user_id: str, transfer_id: str, kind: str, amount: Decimal, destination: str | None = None
) -> TransferRecord:
    transfer, created = store.create(user_id, transfer_id, kind, str(amount), destination)
    if transfer.amount_usdc != amount or transfer.kind != kind or transfer.destination != destination:
        raise ConflictError(f"this Idempotency-Key was used for another {transfer.kind}: use a new key")
    executions.start(transfer)  # also when the row existed: a request that died before starting it
    logger.info(f"{kind} requested", extra={"transfer_id": transfer.transfer_id, "new_transfer": created})
    return operation(user_id, transfer.transfer_id)


def operation(user_id: str, transfer_id: str) -> TransferRecord:
    transfer = store.get(user_id, transfer_id)  # keyed by the caller: another user's id is not found
    if transfer is None or transfer.kind not in store.SAGA_KINDS:
        raise OperationNotFoundError(f"no funding operation {transfer_id}")
    return transfer


def operations(user_id: str) -> list[TransferRecord]:
    return store.list_for_user(user_id)
