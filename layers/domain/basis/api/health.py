"""Health: ``GET /api/v1/health`` (public, cached up/down); for admins (an internal service JWT with
``role: admin``, anyone else 403) ``/health/dependencies`` (each probe's detail) and
``/health/wallets`` (wallets, signing totals of the last 1 h / 24 h from the ledger, and the shared
circuit breaker's state, seed 4.2) and ``/health/funding`` (what the reconciler left: deposits stuck
after the bridge, unknown send outcomes, failed deposit sagas, stuck withdrawals, unresolved cap
reservations; seed 5.3a)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import error_responses, json_response, route_responses
from basis.api.principal import require_admin
from basis.platform import dependencies, dependency_status
from basis.platform.config import get_settings
from basis.platform.dependencies import HealthReport
from basis.platform.dependency_status import DependencyStatus
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.health import WalletHealth, wallet_health
from basis.transfers.reconciler import FundingHealth, funding_health

router = APIGatewayRouter()


def _up_or_down(model: type[Any], *errors: int) -> dict[int, OpenAPIResponse]:
    return {
        200: json_response(model, "every dependency answered"),
        **error_responses(*errors),
        503: json_response(model, "at least one dependency did not answer"),
    }


def _answer(report: DependencyStatus | HealthReport) -> Response[Any]:
    status = 200 if report.status == "ok" else 503
    return Response(status_code=status, content_type="application/json", body=report)


@router.get(
    "/health",
    summary="Is each dependency up (from a probe at most 10 s old); public",
    security=[{}],  # public: no token needed
    responses=_up_or_down(DependencyStatus, 400, 405),
)
def health() -> Response[DependencyStatus]:
    return _answer(dependency_status.current(get_settings()))


@router.get(
    "/health/dependencies",
    summary="Each dependency's probe: latency and detail; admin only",
    responses=_up_or_down(HealthReport, 400, 401, 403, 405),
)
def dependency_details() -> Response[HealthReport]:
    require_admin(router.current_event)
    return _answer(dependencies.check(get_settings()))


def _admin_report(path: str, name: str, summary: str, model: type[Any], build: Callable[[], Any]) -> None:
    """``GET path`` for admins only: the report ``build`` makes (a ``model``)."""

    def report() -> Any:
        require_admin(router.current_event)
        return build()

    report.__name__ = report.__qualname__ = name
    report.__annotations__ = {"return": model}
    router.get(
        path,
        summary=f"{summary}; admin only",
        responses=route_responses(model, "the report", 400, 401, 403, 405),
    )(report)


_admin_report(
    "/health/wallets",
    "wallets_health",
    "Wallets, signing totals (1 h / 24 h), breaker state",
    WalletHealth,
    lambda: wallet_health(SharedCircuitBreaker()),
)
_admin_report(
    "/health/funding",
    "funding_health",
    "Stuck deposits and withdrawals, unknown send outcomes, failed deposit sagas, unresolved caps",
    FundingHealth,
    funding_health,
)
