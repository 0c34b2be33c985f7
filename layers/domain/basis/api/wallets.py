"""``/api/v1/wallets/server``: the caller's server wallets, provisioning them when missing (2.4)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import current_principal
from basis.api.schemas import ServerWalletsResponse
from basis.identity import signin
from basis.platform.errors import UserNotFoundError
from basis.wallets.provisioning import get_user_wallets

router = APIGatewayRouter()


@router.get(
    "/wallets/server",
    summary="Server wallet ids and addresses; ready=false while provisioning",
    responses=route_responses(ServerWalletsResponse, "the wallets", 400, 401, 404, 405),
)
def server_wallets() -> ServerWalletsResponse:
    principal = current_principal(router.current_event)
    wallets = get_user_wallets(principal.user_id)
    if wallets is None:
        raise UserNotFoundError(principal.user_id)
    if not wallets.complete:
        signin.request_wallets(principal.user_id)
    return ServerWalletsResponse(
        ready=wallets.complete,
        evm_wallet_id=wallets.evm_wallet_id,
        evm_address=wallets.evm_address,
        solana_wallet_id=wallets.solana_wallet_id,
        solana_address=wallets.solana_address,
    )
