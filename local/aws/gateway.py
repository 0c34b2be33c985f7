"""The local API Gateway: HTTP in, API Gateway REST proxy events out.

For every request it builds the event AWS would send, runs the REQUEST authorizer first (except on
the catalog's public paths, matched exactly), passes the authorizer's context along, and turns the
handler's proxy response back into HTTP. As API Gateway does, it refuses bodies over 10 MB (413)
and methods it does not know (405) before any function runs, answers CORS preflights itself, and
answers 502 when the function fails (the failure, traceback included, goes to the stack's log).

Its test controls (request log, faults) are not on the API's port: ``controls`` is served on the
stack's ``api-control`` port.
"""

from __future__ import annotations

import logging

from werkzeug.wrappers import Request, Response

from infra.catalog import API_PREFIX, gateway_response
from local.aws.cors import CorsPolicy
from local.aws.gateway_events import (
    allowed,
    authorizer_event,
    is_public,
    proxy_event,
    public_resource,
    to_http,
)
from local.aws.lambdas import LocalLambdas, describe_error
from local.runtime.httpservice import LocalService, json_response

log = logging.getLogger(__name__)

METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024


def gateway(kind: str, headers: dict[str, str] | None = None) -> Response:
    """What API Gateway answers itself: the catalog's gateway responses (CDK installs the same)."""
    answer = gateway_response(kind)
    return json_response(answer.body(), answer.status, headers)


def missing_token() -> Response:
    """API Gateway's answer for a resource or method it does not have."""
    return gateway("MISSING_AUTHENTICATION_TOKEN")


class LocalGateway(LocalService):
    name = "api-gateway"
    controls_on_service_port = False
    max_body_bytes = MAX_PAYLOAD_BYTES

    def __init__(self, lambdas: LocalLambdas, cors: CorsPolicy | None = None) -> None:
        super().__init__()
        self.lambdas = lambdas
        self.cors = cors or CorsPolicy()
        self.route("/", methods=None)(self.forward)
        self.route("/<path:path>", methods=None)(self.forward)

    def too_large(self, request: Request) -> Response:
        return self.cors.decorate(request, gateway("REQUEST_TOO_LARGE"))

    def forward(self, request: Request, path: str = "") -> Response:
        if request.method not in METHODS:
            refused = {
                "error": {
                    "code": "method_not_allowed",
                    "message": f"{request.method} is not a method of this API",
                }
            }
            answer = json_response(refused, 405, {"Allow": ", ".join(METHODS)})
        elif not request.path.startswith(API_PREFIX + "/"):
            answer = missing_token()
        elif request.method == "OPTIONS":
            answer = self.cors.preflight(request)
        else:
            answer = self._invoke(request)
        return self.cors.decorate(request, answer)

    def _invoke(self, request: Request) -> Response:
        # A public resource without this method: what API Gateway answers.
        if public_resource(request.path) and not is_public(request.method, request.path):
            return missing_token()
        context = None
        if not is_public(request.method, request.path):
            decision = self.lambdas.invoke("authorizer", authorizer_event(request))
            if decision.error is not None:
                if decision.error["errorMessage"] == "Unauthorized":
                    return gateway("UNAUTHORIZED")
                return gateway("AUTHORIZER_FAILURE")
            if not allowed(decision.payload):
                return gateway("ACCESS_DENIED")
            context = {**decision.payload.get("context", {}), "principalId": decision.payload["principalId"]}
        result = self.lambdas.invoke("api", proxy_event(request, context))
        if result.error is not None:
            log.error("502 for %s %s: %s", request.method, request.path, describe_error(result.error))
            return gateway("DEFAULT_5XX")
        return to_http(result.payload)
