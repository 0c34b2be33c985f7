"""``GET /api/v1/health`` (public, cached up/down) and ``GET /api/v1/health/dependencies`` (admin)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import error_responses, json_response
from basis.api.principal import require_admin
from basis.platform import dependencies, dependency_status
from basis.platform.config import get_settings
from basis.platform.dependencies import HealthReport
from basis.platform.dependency_status import DependencyStatus

router = APIGatewayRouter()


@router.get(
    "/health",
    summary="Is each dependency up (from a probe at most 10 s old); public",
    security=[{}],  # public: no token needed
    responses={
        200: json_response(DependencyStatus, "every dependency answered"),
        **error_responses(400, 405),
        503: json_response(DependencyStatus, "at least one dependency did not answer"),
    },
)
def health() -> Response[DependencyStatus]:
    view = dependency_status.current(get_settings())
    return Response(
        status_code=200 if view.status == "ok" else 503, content_type="application/json", body=view
    )


@router.get(
    "/health/dependencies",
    summary="Each dependency's probe: latency and detail; admin only",
    responses={
        200: json_response(HealthReport, "every dependency answered"),
        **error_responses(400, 401, 403, 405),
        503: json_response(HealthReport, "at least one dependency did not answer"),
    },
)
def dependency_details() -> Response[HealthReport]:
    require_admin(router.current_event)
    report = dependencies.check(get_settings())
    return Response(
        status_code=200 if report.status == "ok" else 503, content_type="application/json", body=report
    )
