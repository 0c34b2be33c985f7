"""Builds the API resolver: every router, the OpenAPI document and the Swagger UI under /api/v1."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from basis.api import auth, health, wallet_health, wallets
from basis.platform.observability import logger

API_PREFIX = "/api/v1"
TITLE = "Basis server wallets API"
VERSION = "1.0.0"


def create_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    for module in (health, wallet_health, auth, wallets):
        app.include_router(module.router, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[str]:
        return Response(
            status_code=200,
            content_type="application/json",
            body=app.get_openapi_json_schema(title=TITLE, version=VERSION),
        )

    @app.not_found
    def not_found(exc: NotFoundError) -> Response[dict[str, str]]:
        """No route (404), a known path with another method (405), or a route's own NotFoundError."""
        path, method = app.current_event.path, app.current_event.http_method
        allowed = sorted(
            {r.method for r in (*app._static_routes, *app._dynamic_routes) if r.rule.match(path)}
        )
        if allowed and method not in allowed:
            logger.info("method not allowed", extra={"path": path, "method": method, "allowed": allowed})
            return Response(
                status_code=405,
                content_type="application/json",
                headers={"Allow": ", ".join(allowed)},
                body={"error": "method_not_allowed", "path": path, "allowed": ", ".join(allowed)},
            )
        body = {"error": "not_found", "path": path}
        if allowed:  # the route exists and said what is missing
            body["message"] = str(exc.msg)
        else:
            logger.info("no route", extra={"path": path, "method": method})
        return Response(status_code=404, content_type="application/json", body=body)

    app.enable_swagger(path=f"{API_PREFIX}/docs", title=TITLE, version=VERSION)
    return app
