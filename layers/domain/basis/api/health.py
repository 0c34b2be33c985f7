"""``GET /api/v1/health``: is every dependency of this deployment reachable?"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel

from basis.platform import dependencies as health_service
from basis.platform.config import get_settings

router = APIGatewayRouter()


class DependencyHealth(BaseModel):
    ok: bool
    latency_ms: float
    detail: str


class HealthReport(BaseModel):
    status: str
    stage: str
    dependencies: dict[str, DependencyHealth]


@router.get(
    "/health",
    summary="Reachability of every dependency",
    responses={
        200: {
            "description": "every dependency answered",
            "content": {"application/json": {"model": HealthReport}},
        },
        503: {
            "description": "at least one dependency did not answer",
            "content": {"application/json": {"model": HealthReport}},
        },
    },
)
def health() -> Response[HealthReport]:
    report = HealthReport.model_validate(health_service.check(get_settings()))
    return Response(
        status_code=200 if report.status == "ok" else 503, content_type="application/json", body=report
    )
