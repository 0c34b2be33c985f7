"""``GET /api/v1/health/wallets``: signing activity and wallets for operators (seed 4.2).

Admin only: an internal service JWT with ``role: admin`` (``issue_service_token(role="admin")``);
any other caller gets 403. Backed by the signing ledger (24 h) and the shared circuit breaker.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import require_admin
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.health import WalletHealth, wallet_health

router = APIGatewayRouter()


@router.get(
    "/health/wallets",
    summary="Wallets, signing totals (1 h / 24 h), breaker state; admin only",
    responses=route_responses(WalletHealth, "the report", 400, 401, 403, 405),
)
def wallets_health() -> WalletHealth:
    require_admin(router.current_event)
    return wallet_health(SharedCircuitBreaker())
