"""CORS as the API's gateway answers it: preflights without a token, and the allowed origin echoed
on every response to a request from one of the configured origins
(``BASIS_CORS_ALLOWED_ORIGINS``, comma-separated)."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from basis.identity.settings import CORS_ALLOWED_HEADERS, CORS_MAX_AGE_SECONDS

ALLOW_METHODS = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"


def parse_origins(text: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in text.split(",") if origin.strip())


@dataclass(frozen=True)
class CorsPolicy:
    origins: tuple[str, ...] = ()

    def preflight(self, request: Request) -> Response:
        """``OPTIONS`` on an API path: 204 with what a browser may send (no authorizer runs)."""
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response.headers["Access-Control-Allow-Headers"] = ",".join(CORS_ALLOWED_HEADERS)
        response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE_SECONDS)
        return self.decorate(request, response)

    def decorate(self, request: Request, response: Response) -> Response:
        """Echo the request's ``Origin`` when it is allowed (answers differ by origin: ``Vary``)."""
        origin = request.headers.get("Origin")
        if origin is not None and origin in self.origins:
            response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
        return response
