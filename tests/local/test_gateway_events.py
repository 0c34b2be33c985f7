"""The local gateway builds the events API Gateway sends (validated with Powertools' models)."""

import base64
import json
from typing import Any, cast

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from local.aws.gateway import LocalGateway
from local.aws.gateway_events import allowed, authorizer_event, is_public, proxy_event, to_http
from local.aws.lambdas import Invocation, LocalLambdas


def request(method: str, path: str, **kwargs: Any) -> Request:
    return Request(
        EnvironBuilder(method=method, path=path, base_url="http://127.0.0.1:3000", **kwargs).get_environ()
    )


def test_proxy_event_is_a_valid_rest_api_event_with_query_and_json_body() -> None:
    event = proxy_event(
        request("POST", "/api/v1/auth/sync", query_string="a=1&a=2", json={"x": 1}),
        {"user_id": "did:privy:a"},
    )
    model = parse(event, model=APIGatewayProxyEventModel)
    assert model.httpMethod == "POST" and model.pathParameters == {"proxy": "auth/sync"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert json.loads(event["body"]) == {"x": 1} and event["isBase64Encoded"] is False
    assert event["requestContext"]["authorizer"] == {"user_id": "did:privy:a"}


def test_binary_bodies_are_base64_encoded() -> None:
    event = proxy_event(
        request("PUT", "/api/v1/blob", data=b"\x00\xff", content_type="application/octet-stream"), None
    )
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x00\xff"


def test_public_paths_and_authorizer_method_arn() -> None:
    assert is_public("GET", "/api/v1/health") and is_public("GET", "/api/v1/docs")
    assert not is_public("GET", "/api/v1/healthz")
    assert not is_public("GET", "/api/v1/health/wallets")  # admin-only, behind the authorizer
    assert not is_public("POST", "/api/v1/health")  # CDK declares GET only on public resources
    event = authorizer_event(request("GET", "/api/v1/wallets/server"))
    assert event["methodArn"].endswith("/local/GET/api/v1/wallets/server")


def test_policy_needs_an_allow_and_no_deny() -> None:
    allow = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    assert allowed({"policyDocument": {"Statement": [allow]}})
    assert not allowed({"policyDocument": {"Statement": [allow, {**allow, "Effect": "Deny"}]}})
    assert not allowed({"policyDocument": {"Statement": []}})


def test_proxy_response_becomes_http_with_multi_value_headers() -> None:
    response = to_http(
        {
            "statusCode": 201,
            "body": base64.b64encode(b"hi").decode(),
            "isBase64Encoded": True,
            "headers": {"X-One": "1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        }
    )
    assert response.status_code == 201 and response.get_data() == b"hi"
    assert response.headers["X-One"] == "1" and response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


class RecordingLambdas:
    """Answers every invocation with a 200 proxy response and remembers what was invoked."""

    def __init__(self) -> None:
        self.invoked: list[tuple[str, dict[str, Any]]] = []

    def invoke(self, name: str, event: dict[str, Any]) -> Invocation:
        self.invoked.append((name, event))
        return Invocation({"statusCode": 200, "body": "{}"}, None, 1.0)


def test_public_paths_answer_only_get_like_api_gateway() -> None:
    lambdas = RecordingLambdas()
    client = Client(LocalGateway(cast(LocalLambdas, lambdas)))
    for method in ("POST", "PUT", "DELETE"):
        answer = client.open("/api/v1/health", method=method)
        assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "no_resource"
    assert lambdas.invoked == []
    assert client.get("/api/v1/health").status_code == 200
    assert [name for name, _ in lambdas.invoked] == ["api"]  # no authorizer on a public GET
    assert client.get("/api/v1").status_code == 403 and client.get("/api/v1x/health").status_code == 403


def test_request_context_path_has_no_stage_so_swagger_targets_the_local_api() -> None:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    event = proxy_event(request("GET", "/api/v1/docs"), None)
    assert event["requestContext"]["path"] == event["path"] == "/api/v1/docs"
    app = APIGatewayRestResolver(enable_validation=True)
    app.get("/api/v1/health")(lambda: {"status": "ok"})
    app.enable_swagger(path="/api/v1/docs")
    page = app.resolve(event, cast(Any, None))["body"]
    # The OpenAPI servers entry Swagger's "Try it out" prefixes to every path: "/" (not "/local").
    assert '"url": "/"' in page and '"url": "/local"' not in page
