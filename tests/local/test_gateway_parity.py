"""The local API gateway answers as API Gateway does, on the running stack: one Content-Type, test
controls on their own port, the 10 MB limit, 405 with Allow, exact public paths, CORS, 502s logged."""

from __future__ import annotations

import http.client
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.aws.containers import ContainerPool
from local.aws.gateway import MAX_PAYLOAD_BYTES, METHODS, LocalGateway
from local.aws.lambdas import LocalLambdas
from local.runtime.httpservice import ServedApp
from local.runtime.logs import StackLogs
from local.runtime.stack import PREFIX, LocalStack


def raw_headers(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, list]:
    """Status and every header line as sent (requests would fold repeated headers into one)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request(method, parts.path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheaders()
    finally:
        connection.close()


def content_types(headers: list[tuple[str, str]]) -> list[str]:
    return [value for name, value in headers if name.lower() == "content-type"]


def calls(stack: LocalStack) -> tuple[int, int]:
    return stack.lambdas.invocations["authorizer"], stack.lambdas.invocations["api"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/health", 200),  # the function's answer
        ("GET", "/api/v1/openapi.json", 200),
        ("GET", "/api/v1/wallets/server", 401),  # the authorizer's refusal
        ("GET", "/elsewhere", 403),  # no such resource
        ("OPTIONS", "/api/v1/wallets/server", 204),  # a preflight
    ],
)
def test_every_response_carries_exactly_one_content_type(
    stack: LocalStack, method: str, path: str, status: int
) -> None:
    answer, headers = raw_headers(stack.url("api") + path, method)
    assert answer == status
    assert len(content_types(headers)) == 1, headers


def test_test_controls_answer_on_the_control_port_only(stack: LocalStack) -> None:
    api, control = stack.url("api"), stack.url("api-control")
    for method in ("GET", "DELETE", "POST"):
        for path in ("/_local/requests", "/_local/faults"):
            answer = requests.request(
                method, api + path, json={"path": "/api/v1/health", "status": 503}, timeout=10
            )
            assert answer.status_code == 403 and answer.json()["error"]["code"] == "no_resource"
    assert requests.get(f"{control}/_local/faults", timeout=10).json() == {"faults": []}
    assert requests.get(f"{api}/api/v1/health", timeout=30).status_code == 200

    seen = requests.get(f"{control}/_local/requests", params={"path": "/api/v1/health"}, timeout=10).json()
    assert seen["requests"][-1]["method"] == "GET" and seen["requests"][-1]["status"] == 200
    fault = {"path": "/api/v1/health", "status": 503, "count": 1}
    assert requests.post(f"{control}/_local/faults", json=fault, timeout=10).status_code == 201
    assert requests.get(f"{api}/api/v1/health", timeout=30).status_code == 503
    assert requests.get(f"{api}/api/v1/health", timeout=30).status_code == 200


def test_a_body_over_10_mb_is_refused_before_any_function_runs(stack: LocalStack) -> None:
    before = calls(stack)
    answer = requests.post(
        f"{stack.url('api')}/api/v1/auth/sync",
        data=b"x" * (MAX_PAYLOAD_BYTES + 1),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "payload_too_large"
    assert calls(stack) == before
    at_limit = requests.post(
        f"{stack.url('api')}/api/v1/auth/sync",
        data=b"x" * MAX_PAYLOAD_BYTES,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert at_limit.status_code == 401  # accepted: the authorizer refuses the missing token


@pytest.mark.parametrize("method", ["TRACE", "CONNECTX", "PROPFIND"])
@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/wallets/server", "/elsewhere"])
def test_unknown_methods_get_405_with_allow(stack: LocalStack, method: str, path: str) -> None:
    before = calls(stack)
    status, headers = raw_headers(stack.url("api") + path, method)
    allow = [value for name, value in headers if name.lower() == "allow"]
    assert status == 405 and len(allow) == 1
    assert set(allow[0].replace(" ", "").split(",")) == set(METHODS)
    assert calls(stack) == before


@pytest.mark.parametrize("path", ["/api/v1/health/", "/api/v1/health//", "/api/v1//health", "/api/v1/docs/"])
def test_public_paths_match_exactly(stack: LocalStack, path: str) -> None:
    authorizations = stack.lambdas.invocations["authorizer"]
    answer = requests.get(stack.url("api") + path, timeout=30)
    assert answer.status_code == 401  # not the public resource: the authorizer ran, and no token
    assert stack.lambdas.invocations["authorizer"] == authorizations + 1


def test_cors_preflight_needs_no_token_and_echoes_only_configured_origins(stack: LocalStack) -> None:
    origin = stack.environment()["BASIS_CORS_ALLOWED_ORIGINS"].split(",")[0]
    before = calls(stack)
    preflight = requests.options(
        f"{stack.url('api')}/api/v1/wallets/server",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert preflight.status_code == 204 and calls(stack) == before
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert {"GET", "POST", "DELETE"} <= set(preflight.headers["Access-Control-Allow-Methods"].split(","))
    assert set(preflight.headers["Access-Control-Allow-Headers"].split(",")) == {
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
    }
    assert int(preflight.headers["Access-Control-Max-Age"]) > 0

    stranger = requests.options(
        f"{stack.url('api')}/api/v1/wallets/server", headers={"Origin": "https://evil.example"}, timeout=10
    )
    assert stranger.status_code == 204 and "Access-Control-Allow-Origin" not in stranger.headers

    for path, status in (("/api/v1/health", 200), ("/api/v1/wallets/server", 401)):
        answer = requests.get(f"{stack.url('api')}{path}", headers={"Origin": origin}, timeout=30)
        assert answer.status_code == status and answer.headers["Access-Control-Allow-Origin"] == origin
        plain = requests.get(
            f"{stack.url('api')}{path}", headers={"Origin": "https://evil.example"}, timeout=30
        )
        assert "Access-Control-Allow-Origin" not in plain.headers


def failing_api(lambdas: LocalLambdas) -> None:
    """The "api" function's containers run a handler that raises (no handler module loaded)."""
    container = ModuleType("failing_api")

    def handler(event: Any, context: Any) -> Any:
        return {"statusCode": 200, "body": str(1 / 0)}

    container.handler = handler  # type: ignore[attr-defined]
    lambdas._pools["api"] = ContainerPool(lambda number: container, max_containers=1)


def test_a_502_logs_the_function_error_with_its_traceback(stack: LocalStack, tmp_path: Path) -> None:
    lambdas = LocalLambdas(PREFIX)
    failing_api(lambdas)
    logs = StackLogs(tmp_path)
    logs.start()
    served = ServedApp(LocalGateway(lambdas), 0, "failing-api").start()
    try:
        answer = requests.get(f"{served.url}/api/v1/health", timeout=10)
    finally:
        served.stop()
        logs.stop()
    assert answer.status_code == 502 and answer.json()["error"]["code"] == "bad_gateway"
    logged = (tmp_path / "local.log").read_text()
    assert "502 for GET /api/v1/health" in logged and "ZeroDivisionError: division by zero" in logged
    assert "Traceback (most recent call last):" in logged and "str(1 / 0)" in logged
