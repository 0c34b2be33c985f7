"""The first slice through every layer: HTTP -> local API Gateway -> (authorizer) -> API handler."""

import requests

from basis.identity.tokens import issue_service_token
from basis.platform.secrets import get_secrets
from local.runtime.stack import LocalStack


def api(stack: LocalStack, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{stack.url('api')}/api/v1{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def test_health_reports_every_dependency(stack: LocalStack) -> None:
    answer = api(stack, "/health")
    report = answer.json()
    assert set(report["dependencies"]) == {
        "dynamodb",
        "privy",
        "hyperliquid",
        "arbitrum_rpc",
        "solana_rpc",
        "asgard",
    }
    assert report["dependencies"]["dynamodb"] == {**report["dependencies"]["dynamodb"], "ok": True}
    assert "basis-local-users ACTIVE" in report["dependencies"]["dynamodb"]["detail"]
    healthy = all(p["ok"] for p in report["dependencies"].values())
    assert answer.status_code == (200 if healthy else 503)
    assert report["status"] == ("ok" if healthy else "degraded")


def test_openapi_document_and_swagger_ui_are_public(stack: LocalStack) -> None:
    document = api(stack, "/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/health" in document["paths"]
    docs = api(stack, "/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_protected_routes_need_a_token(stack: LocalStack) -> None:
    assert api(stack, "/wallets/server").status_code == 401
    assert api(stack, "/wallets/server", headers={"Authorization": "Bearer junk"}).status_code == 401


def test_a_valid_service_token_passes_the_authorizer(stack: LocalStack) -> None:
    token = issue_service_token(get_secrets().internal_jwt_secret, "did:privy:svc")
    answer = api(stack, "/no-such-route", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
    assert answer.json() == {"error": "not_found", "path": "/api/v1/no-such-route"}


def test_paths_outside_the_api_are_refused_by_the_gateway(stack: LocalStack) -> None:
    answer = requests.get(f"{stack.url('api')}/elsewhere", timeout=10)
    assert answer.status_code == 403


def test_a_known_path_with_the_wrong_method_is_405_with_allow(stack: LocalStack) -> None:
    token = issue_service_token(get_secrets().internal_jwt_secret, "did:privy:svc")
    answer = requests.put(
        f"{stack.url('api')}/api/v1/auth/sync", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"
    assert answer.json() == {"error": "method_not_allowed", "path": "/api/v1/auth/sync", "allowed": "POST"}
