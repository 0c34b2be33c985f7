"""``/api/v1/funding``: deposits from the caller's server wallet into Hyperliquid (each a deposit
saga), withdrawals back to it (each a withdrawal saga, delivered on to a registered withdrawal
address when asked), the caller's funding operations with their stage, and the caller's registered
withdrawal addresses (changed only with the caller's own access token)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import current_principal, require_user_token
from basis.api.schemas import (
    DepositRequest,
    OperationResponse,
    OperationsResponse,
    WithdrawalAddressesResponse,
    WithdrawalAddressRequest,
    WithdrawalAddressResponse,
    WithdrawalRequest,
)
from basis.transfers import funding
from basis.transfers.store import TransferRecord
from basis.wallets import withdrawal_addresses
from basis.wallets.withdrawal_address_store import WithdrawalAddress

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
        tx_hashes=[h for h in (transfer.tx_hash, transfer.payout_tx_hash, transfer.delivery_tx_hash) if h],
        destination=transfer.destination,
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
    "bridge keeps 1 USDC), and on to one of the caller's registered withdrawal addresses with "
    "'destination' (any other: a 400); over Hyperliquid's withdrawable: a 400 naming the amount "
    "available. Idempotency-Key: the same key answers the same operation and starts nothing new",
    responses=STARTED,
)
def withdrawal(body: WithdrawalRequest, idempotency_key: IdempotencyKey = None) -> OperationResponse:
    caller = current_principal(router.current_event).user_id
    return _operation(
        funding.start_withdrawal(caller, body.amount_usdc, idempotency_key, destination=body.destination)
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


def _address(entry: WithdrawalAddress) -> WithdrawalAddressResponse:
    return WithdrawalAddressResponse.model_validate(asdict(entry))


def _addresses(user_id: str) -> WithdrawalAddressesResponse:
    return WithdrawalAddressesResponse(
        addresses=[_address(a) for a in withdrawal_addresses.listed(user_id)],
        limit=withdrawal_addresses.MAX_ADDRESSES,
    )


@router.get(
    "/funding/withdrawal-addresses",
    summary="The caller's registered withdrawal addresses: where withdrawals may be delivered",
    responses=route_responses(WithdrawalAddressesResponse, "the addresses", 401, 404, 405),
)
def list_withdrawal_addresses() -> WithdrawalAddressesResponse:
    return _addresses(current_principal(router.current_event).user_id)


@router.post(
    "/funding/withdrawal-addresses",
    summary="Register a withdrawal address with the caller's own key: it is added to the platform "
    "signer's per-user policy at Privy (which the user owns), then usable as a withdrawal's "
    "destination. Registering it again answers it (and repairs a pending one). A service token: 403",
    responses=route_responses(
        WithdrawalAddressResponse, "the address, active", 400, 401, 403, 404, 405, 409, 413, 415, 422
    ),
)
def register_withdrawal_address(body: WithdrawalAddressRequest) -> WithdrawalAddressResponse:
    principal, token = require_user_token(router.current_event)
    return _address(withdrawal_addresses.register(principal.user_id, token, body.address, body.label))


@router.delete(
    "/funding/withdrawal-addresses/<address>",
    summary="Remove a withdrawal address with the caller's own key: no delivery can go there any "
    "more (it leaves the per-user policy at Privy). A service token: 403; not the caller's: 404",
    responses=route_responses(
        WithdrawalAddressesResponse, "the addresses left", 400, 401, 403, 404, 405, 409, 422
    ),
)
def remove_withdrawal_address(address: str) -> WithdrawalAddressesResponse:
    principal, token = require_user_token(router.current_event)
    withdrawal_addresses.remove(principal.user_id, token, address)
    return _addresses(principal.user_id)
