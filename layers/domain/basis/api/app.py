"""Builds the API resolver: every router, the error handlers, the OpenAPI document (with its
security scheme) and the Swagger UI under /api/v1."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from basis.api import admin, auth, balances, edge, errors, funding, health, positions, strategy, wallets
from basis.identity.settings import CORS_ALLOWED_HEADERS, CORS_MAX_AGE_SECONDS
from basis.platform.observability import logger

API_PREFIX = "/api/v1"
TITLE = "Basis server wallets API"
VERSION = "1.0.0"
SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": HTTPBearer(
        bearerFormat="JWT",
        description="A Privy access token (ES256) of the signed-in user, or an internal service token",
    )
}


class GuardedResolver(APIGatewayRestResolver):
    """The REST resolver with ``basis.api.edge`` in front: a request the edge refuses never reaches
    Powertools' body parsing or a route (its validation runs before any middleware could)."""

    def _resolve(self) -> ResponseBuilder:
        refusal = edge.refusal(self.current_event)
        if refusal is None:
            return super()._resolve()
        logger.info("request refused at the edge", extra={"status": refusal.status, "code": refusal.code})
        return ResponseBuilder(
            response=errors.error_response(refusal.status, refusal.code, refusal.message),
            serializer=self._serializer,
        )


def _cors(origins: tuple[str, ...]) -> CORSConfig | None:
    if not origins:
        return None
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=list(origins[1:]),
        allow_headers=list(CORS_ALLOWED_HEADERS),
        max_age=CORS_MAX_AGE_SECONDS,
    )


def create_app(cors_allowed_origins: tuple[str, ...] = ()) -> APIGatewayRestResolver:
    """The resolver; browsers from ``cors_allowed_origins`` get CORS headers on every answer."""
    app = GuardedResolver(enable_validation=True, cors=_cors(cors_allowed_origins))
    app.configure_openapi(
        title=TITLE, version=VERSION, security_schemes=SECURITY_SCHEMES, security=[{"bearer": []}]
    )
    errors.register(app)
    for module in (health, auth, wallets, funding, balances, positions, strategy, admin):
        app.include_router(module.router, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        return Response(status_code=200, content_type="application/json", body=app.get_openapi_json_schema())

    @app.not_found
    def not_found(exc: NotFoundError) -> Response[dict[str, Any]]:
        """No route (404), a known path with another method (405), or a route's own NotFoundError."""
        path, method = app.current_event.path, app.current_event.http_method
        allowed = sorted(
            {r.method for r in (*app._static_routes, *app._dynamic_routes) if r.rule.match(path)}
        )
        if allowed and method not in allowed:
            logger.info("method not allowed", extra={"path": path, "method": method, "allowed": allowed})
            return errors.error_response(
                405,
                "method_not_allowed",
                f"{method} is not allowed on {path}",
                headers={"Allow": ", ".join(allowed)},
                allowed=allowed,
            )
        if allowed:  # the route exists and said what is missing
            return errors.error_response(404, "not_found", str(exc.msg))
        logger.info("no route", extra={"path": path, "method": method})
        return errors.error_response(404, "no_route", f"no route {method} {path}")

    app.enable_swagger(path=f"{API_PREFIX}/docs", title=TITLE, version=VERSION)
    return app
