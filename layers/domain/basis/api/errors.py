"""Every error the API answers, in one shape and mapped to HTTP in one place.

The body is always ``{"error": {"code": ..., "message": ..., <details>}}`` with
``Content-Type: application/json``. Domain errors (``basis.platform.errors``) map by family;
Powertools' own errors (no route, validation, unsupported media type, 401/403 raised by a router)
are re-shaped; anything unexpected is logged with its traceback and answered as a bare 500 that
names nothing internal.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict

from basis.platform.errors import (
    AmountRefusedError,
    BasisError,
    CapRefusedError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    PolicyRefusedError,
    RefusedError,
    TransientError,
    ValidationRefusedError,
)
from basis.platform.observability import logger

# Most specific first: an error's status is that of the first family it belongs to.
STATUS_BY_FAMILY: tuple[tuple[type[BasisError], int], ...] = (
    (NotFoundError, 404),
    (PolicyRefusedError, 403),
    (AmountRefusedError, 400),
    (ValidationRefusedError, 400),
    (CapRefusedError, 422),
    (RefusedError, 422),
    (ConflictError, 409),
    (TransientError, 503),
    (ConfigurationError, 500),
)

SERVICE_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}

DESCRIPTIONS = {
    400: "The request is malformed: its body is not a JSON object this API can read",
    401: "No valid bearer token (missing, expired, forged, or not for this app)",
    403: "The caller may not do this",
    404: "No such route, or nothing with this id for this caller",
    405: "The path exists, not with this method (see the Allow header)",
    409: "The state changed under the request",
    413: "The body is larger than this API accepts",
    415: "The body is not application/json",
    422: "The body or parameters do not match the schema, or a limit refused the request",
    500: "An unexpected error; nothing to fix on the caller's side",
    502: "Privy or the chain refused or failed the signature; the outcome may be unknown (see code)",
    503: "A dependency is not answering; retry later",
}


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def status_of(exc: BasisError) -> int:
    for family, status in STATUS_BY_FAMILY:
        if isinstance(exc, family):
            return status
    # A signing failure outside every family: Privy (or the chain) refused or failed.
    return 503 if getattr(exc, "retriable", False) else 502


def error_response(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **details: Any
) -> Response[dict[str, Any]]:
    facts = {k: v for k, v in details.items() if v is not None}
    return Response(
        status_code=status,
        content_type="application/json",
        body={"error": {"code": code, "message": message, **facts}},
        headers=headers,
    )


def json_response(model: type[Any], description: str) -> OpenAPIResponse:
    """One OpenAPI ``responses`` entry: a JSON body of ``model``."""
    return {"description": description, "content": {"application/json": {"model": model}}}


def error_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI ``responses`` entries for these error statuses, each with the error body schema.
    Every route can also answer 500 (unexpected) and 503 (a dependency is down)."""
    return {status: json_response(ErrorBody, DESCRIPTIONS[status]) for status in (*statuses, 500, 503)}


def route_responses(ok: type[Any], description: str, *statuses: int) -> dict[int, OpenAPIResponse]:
    """A route's whole ``responses``: 200 with ``ok`` and the error statuses it can answer."""
    return {200: json_response(ok, description), **error_responses(*statuses)}


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Location and kind only: pydantic messages can echo input and internals.
    return [
        {"loc": [str(part) for part in item.get("loc", ())], "type": str(item.get("type", ""))}
        for item in exc.errors()
    ]


def register(app: APIGatewayRestResolver) -> None:
    """Install the handlers that turn every exception into the one error shape."""

    @app.exception_handler(BasisError)
    def domain_error(exc: BasisError) -> Response[dict[str, Any]]:
        status = status_of(exc)
        log = logger.error if status >= 500 else logger.info
        log("request refused", extra={"code": exc.code, "status": status, "reason": exc.message})
        retry_after = exc.details.get("retry_after_seconds")
        headers = {"Retry-After": str(max(1, round(float(retry_after))))} if retry_after else None
        return error_response(status, exc.code, exc.message, headers=headers, **exc.details)

    @app.exception_handler(RequestValidationError)
    def invalid_request(exc: RequestValidationError) -> Response[dict[str, Any]]:
        errors = _validation_errors(exc)
        logger.info("request does not match the schema", extra={"errors": errors})
        return error_response(422, "validation_error", "the request does not match the schema", errors=errors)

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported_media(exc: RequestUnsupportedContentType) -> Response[dict[str, Any]]:
        return error_response(415, "unsupported_media_type", "send the body as application/json")

    @app.exception_handler(ServiceError)
    def service_error(exc: ServiceError) -> Response[dict[str, Any]]:
        code = SERVICE_CODES.get(
            exc.status_code, HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        )
        return error_response(exc.status_code, code, str(exc.msg))

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[dict[str, Any]]:
        logger.exception("unexpected error", extra={"error_type": type(exc).__name__})
        return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")
