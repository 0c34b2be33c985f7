"""What the API gateway sends and receives: REST proxy events, REQUEST authorizer events, the
authorizer's policy, and the proxy response turned back into HTTP (headers merged as API Gateway
merges ``headers`` and ``multiValueHeaders``)."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from infra.catalog import API_PREFIX, PUBLIC_PATHS

API_ID = "local"
STAGE = "local"
ACCOUNT = "123456789012"


TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded")

# CDK gives each public path its own resource with only a GET method.
PUBLIC_METHODS = frozenset({"GET"})


def public_resource(path: str) -> bool:
    """A public path exactly: ``/api/v1/health/`` or ``/api/v1/health//`` is another resource."""
    return path in PUBLIC_PATHS


def is_public(method: str, path: str) -> bool:
    return method in PUBLIC_METHODS and public_resource(path)


def _text(raw: bytes, content_type: str) -> str | None:
    """The body as text when its type is textual and it decodes, else None (sent as base64)."""
    if not any(t in content_type for t in TEXT_TYPES):
        return None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None


def proxy_event(request: Request, authorizer: dict[str, Any] | None) -> dict[str, Any]:
    raw = request.get_data()
    text = _text(raw, request.content_type or "")
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
        "body": (text if text is not None else base64.b64encode(raw).decode()) if raw else None,
        "isBase64Encoded": bool(raw) and text is None,
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


def allowed(policy: dict[str, Any]) -> bool:
    statements = policy.get("policyDocument", {}).get("Statement", [])
    effects = {s.get("Effect") for s in statements}
    return "Allow" in effects and "Deny" not in effects


def to_http(payload: dict[str, Any]) -> Response:
    """The proxy response as HTTP. A header in both ``multiValueHeaders`` and ``headers`` keeps the
    former's values only (one ``Content-Type``); none at all means ``application/json``."""
    body = payload.get("body") or ""
    data = base64.b64decode(body) if payload.get("isBase64Encoded") else body.encode()
    headers = Headers()
    multi = payload.get("multiValueHeaders") or {}
    for key, values in multi.items():
        for value in values:
            headers.add(key, value)
    for key, value in (payload.get("headers") or {}).items():
        if key not in headers:
            headers.add(key, value)
    if "Content-Type" not in headers:
        headers["Content-Type"] = "application/json"
    return Response(data, status=int(payload.get("statusCode", 200)), headers=headers)
