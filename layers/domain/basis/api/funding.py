"""``/api/v1/funding``: deposits from the caller's server wallet into Hyperliquid (each a deposit
saga), withdrawals back to it (each a withdrawal saga) and the caller's funding operations with
their stage."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import current_principal
from basis.api.schemas import DepositRequest, OperationResponse, OperationsResponse, WithdrawalRequest
from basis.transfers import funding
from basis.transfers.store import TransferRecord

router = APIGatewayRouter()
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$"),
]


def _operation(transfer: TransferRecord) -> OperationResponse:
    return OperationResponse(
        id=transfer.transfer_id,
        kind="withdrawal" if transfer.kind == "withdrawal" else "deposit",
        stage=transfer.stage,
        amount_usdc=str(transfer.amount_usdc),
        tx_hashes=[h for h in (transfer.tx_hash, transfer.payout_tx_hash) if h],
        error=transfer.error,
        needs_reconciliation=transfer.needs_reconciliation,
        created_at=transfer.created_at,
        updated_at=transfer.updated_at,
    )


# What starting a deposit or a withdrawal can answer.
STARTED = route_responses(OperationResponse, "the operation, as started", 400, 401, 404, 405, 409, 413, 415)


@router.post(
    "/funding/deposits",
    summary="Deposit USDC from the caller's server wallet into Hyperliquid (a deposit saga); "
    "Idempotency-Key: the same key answers the same operation and starts nothing new",
    responses=STARTED,
)
def deposit(body: DepositRequest, idempotency_key: IdempotencyKey = None) -> OperationResponse:
    caller = current_principal(router.current_event).user_id
    return _operation(funding.start_deposit(caller, body.amount_usdc, idempotency_key))


@router.post(
    "/funding/withdrawals",
    summary="Withdraw USDC from Hyperliquid to the caller's server wallet (a withdrawal saga; the "
    "bridge keeps 1 USDC); over Hyperliquid's withdrawable: a 400 naming the amount available. "
    "Idempotency-Key: the same key answers the same operation and starts nothing new",
    responses=STARTED,
)
def withdrawal(body: WithdrawalRequest, idempotency_key: IdempotencyKey = None) -> OperationResponse:
    return _operation(
        funding.start_withdrawal(
            current_principal(router.current_event).user_id, body.amount_usdc, idempotency_key
        )
    )


@router.get(
    "/funding/operations",
    summary="The caller's deposits and withdrawals, newest first",
    responses=route_responses(OperationsResponse, "the operations", 401, 405),
)
def operations() -> OperationsResponse:
    user_id = current_principal(router.current_event).user_id
    return OperationsResponse(operations=[_operation(t) for t in funding.operations(user_id)])


@router.get(
    "/funding/operations/<operation_id>",
    summary="One of the caller's operations: stage, tx hashes, timestamps, error",
    responses=route_responses(OperationResponse, "the operation", 401, 404, 405),
)
def operation(operation_id: str) -> OperationResponse:
    user_id = current_principal(router.current_event).user_id
    return _operation(funding.operation(user_id, operation_id))
