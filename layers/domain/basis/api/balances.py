"""``GET /api/v1/balances``: the caller's balances on Arbitrum, Solana and Hyperliquid, each with its
source and time (``basis.venues.balances``); a venue that fails answers an error in its entry."""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import current_principal
from basis.identity import users
from basis.venues.balances import Balance, balances

router = APIGatewayRouter()


@dataclass(frozen=True)
class BalancesResponse:
    balances: list[Balance]


@router.get(
    "/balances",
    summary="USDC and ETH on Arbitrum, USDC and SOL on Solana, Hyperliquid account value and withdrawable",
    responses=route_responses(BalancesResponse, "each balance with its source and time", 400, 401, 404, 405),
)
def get_balances() -> BalancesResponse:
    # 404 for a caller who never signed in; every venue's failure is an entry's error.
    return BalancesResponse(balances(users.require(current_principal(router.current_event).user_id).user_id))
