"""The local API Gateway: HTTP in, API Gateway REST proxy events out.

For every request it builds the event AWS would send, runs the REQUEST authorizer first (except on
the catalog's public paths), passes the authorizer's context along, and turns the handler's proxy
response back into HTTP.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.catalog import API_PREFIX, PUBLIC_PATHS, gateway_response
from local.httpservice import LocalService, json_response
from local.lambdas import LocalLambdas

API_ID = "local"
STAGE = "local"
ACCOUNT = "123456789012"


# CDK gives each public path its own resource with only a GET method.
PUBLIC_METHODS = frozenset({"GET"})


def _public_resource(path: str) -> bool:
    return path.rstrip("/") in PUBLIC_PATHS


def _is_public(method: str, path: str) -> bool:
    return method in PUBLIC_METHODS and _public_resource(path)


def _utf8(raw: bytes) -> bool:
    """A body that is not UTF-8 travels base64-encoded, as a binary one does: never mangled."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def proxy_event(request: Request, authorizer: dict[str, Any] | None) -> dict[str, Any]:
    raw = request.get_data()
    text_types = ("application/json", "text/", "application/x-www-form-urlencoded")
    is_text = not raw or (any(t in (request.content_type or "") for t in text_types) and _utf8(raw))
    proxy = request.path[len(API_PREFIX) + 1 :] if request.path.startswith(API_PREFIX + "/") else request.path
    return {
        "resource": f"{API_PREFIX}/{{proxy+}}",
        "path": request.path,
        "httpMethod": request.method,
        "headers": dict(request.headers.items()),
        "multiValueHeaders": {k: request.headers.getlist(k) for k in request.headers.keys()},  # noqa: SIM118
        "queryStringParameters": dict(request.args.items()) or None,
        "multiValueQueryStringParameters": {k: request.args.getlist(k) for k in request.args} or None,
        "pathParameters": {"proxy": proxy},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "stage": STAGE,
            "httpMethod": request.method,
            # As behind a custom domain mapped to the stage: no "/<stage>" in front, so Powertools'
            # Swagger UI points "Try it out" at the path the client used (server "/").
            "path": request.path,
            "resourcePath": f"{API_PREFIX}/{{proxy+}}",
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "domainName": request.host,
            "resourceId": "local",
            "identity": {
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.user_agent.string,
            },
            "authorizer": authorizer,
        },
        "body": (raw.decode() if is_text else base64.b64encode(raw).decode()) if raw else None,
        "isBase64Encoded": bool(raw) and not is_text,
    }


def authorizer_event(request: Request) -> dict[str, Any]:
    method_arn = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API_ID}/{STAGE}/{request.method}{request.path}"
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": f"{API_PREFIX}/{{proxy+}}",
        "path": request.path,
        "httpMethod": request.method,
        "headers": dict(request.headers.items()),
        "queryStringParameters": dict(request.args.items()),
        "requestContext": {"accountId": ACCOUNT, "apiId": API_ID, "stage": STAGE},
    }


def _allowed(policy: dict[str, Any]) -> bool:
    statements = policy.get("policyDocument", {}).get("Statement", [])
    effects = {s.get("Effect") for s in statements}
    return "Allow" in effects and "Deny" not in effects


class LocalGateway(LocalService):
    name = "api-gateway"

    def __init__(self, lambdas: LocalLambdas) -> None:
        super().__init__()
        self.lambdas = lambdas
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
        self.route("/", methods=methods)(self.forward)
        self.route("/<path:path>", methods=methods)(self.forward)

    def forward(self, request: Request, path: str = "") -> Response:
        # No resource, or a public resource without this method: what API Gateway answers.
        if not request.path.startswith(API_PREFIX + "/") or (
            _public_resource(request.path) and not _is_public(request.method, request.path)
        ):
            return self._gateway("MISSING_AUTHENTICATION_TOKEN")
        context = None
        if not _is_public(request.method, request.path):
            decision = self.lambdas.invoke("authorizer", authorizer_event(request))
            if decision.error is not None:
                if decision.error["errorMessage"] == "Unauthorized":
                    return self._gateway("UNAUTHORIZED")
                return self._gateway("AUTHORIZER_FAILURE")
            if not _allowed(decision.payload):
                return self._gateway("ACCESS_DENIED")
            context = {**decision.payload.get("context", {}), "principalId": decision.payload["principalId"]}
        result = self.lambdas.invoke("api", proxy_event(request, context))
        if result.error is not None:
            return self._gateway("DEFAULT_5XX")
        return self._to_http(result.payload)

    @staticmethod
    def _gateway(kind: str) -> Response:
        """What API Gateway answers itself: the catalog's gateway responses (CDK installs the same)."""
        answer = gateway_response(kind)
        return json_response(answer.body(), answer.status)

    @staticmethod
    def _to_http(payload: dict[str, Any]) -> Response:
        body = payload.get("body") or ""
        data = base64.b64decode(body) if payload.get("isBase64Encoded") else body.encode()
        response = Response(data, status=int(payload.get("statusCode", 200)))
        for key, value in (payload.get("headers") or {}).items():
            response.headers[key] = value
        for key, values in (payload.get("multiValueHeaders") or {}).items():
            response.headers.setlist(key, values)  # replaces the default, never a second copy
        return response
