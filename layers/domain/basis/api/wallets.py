"""``/api/v1/wallets/server``: the caller's server wallets, provisioning them when missing (2.4)."""

from __future__ import annotations

from dataclasses import asdict

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import current_principal
from basis.api.schemas import ServerWalletsResponse
from basis.identity import signin, users

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
