"""``/api/v1/wallets``: the caller's server wallets (provisioned when missing, 2.4) and transfers
out of them signed by the caller's own key (self-custody)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import current_principal, require_user_token
from basis.api.schemas import ServerWalletsResponse, TransferOutRequest, TransferOutResponse
from basis.identity import signin, users
from basis.transfers import outbound
from basis.transfers.outbound import TransferOut

router = APIGatewayRouter()


@router.get(
    "/wallets/server",
    summary="Server wallet ids and addresses; ready=false while provisioning",
    responses=route_responses(ServerWalletsResponse, "the wallets", 400, 401, 404, 405),
)
def server_wallets() -> ServerWalletsResponse:
    user_id = current_principal(router.current_event).user_id
    wallets = users.require(user_id).wallets
    if not wallets.complete:
        signin.request_wallets(user_id)
    return ServerWalletsResponse(ready=wallets.complete, **asdict(wallets))


@router.post(
    "/wallets/transfers",
    summary="Send USDC/ETH (ethereum) or USDC/SOL (solana) out of the caller's server wallet, "
    "signed by the caller's own key; Idempotency-Key makes a retry answer once",
    responses=route_responses(
        TransferOutResponse, "sent: the transaction hash", 400, 401, 403, 404, 405, 409, 413, 415, 422, 502
    ),
)
def transfer_out(
    body: TransferOutRequest,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$"),
    ] = None,
) -> TransferOutResponse:
    principal, token = require_user_token(router.current_event)
    result = outbound.send(
        principal.user_id, token, TransferOut(body.chain, body.asset, body.amount, body.to), idempotency_key
    )
    return TransferOutResponse(**asdict(result))
