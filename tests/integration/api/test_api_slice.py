"""The first slice through every layer: HTTP -> local API Gateway -> (authorizer) -> API handler."""

import requests

from tests.api_client import ApiClient

DEPENDENCIES = {"dynamodb", "privy", "hyperliquid", "arbitrum_rpc", "solana_rpc", "asgard"}


def test_public_health_says_up_or_down_per_dependency_and_nothing_more(api_client: ApiClient) -> None:
    answer = api_client.get("/health")
    report = answer.json()
    assert set(report) == {"status", "dependencies"}
    assert set(report["dependencies"]) == DEPENDENCIES
    assert set(report["dependencies"].values()) <= {"up", "down"}
    assert report["dependencies"]["dynamodb"] == "up"
    healthy = all(state == "up" for state in report["dependencies"].values())
    assert answer.status_code == (200 if healthy else 503)
    assert report["status"] == ("ok" if healthy else "degraded")
    assert "http" not in answer.text  # no endpoint URL, no exception text


def test_public_health_probes_at_most_once_per_ten_seconds(api_client: ApiClient) -> None:
    def privy_probes() -> int:
        return sum(1 for r in api_client.stack.privy.recorded() if r.path == "/")

    assert api_client.get("/health").status_code in {200, 503}
    probes = privy_probes()
    for _ in range(5):  # sequential: one warm container answers them all
        assert api_client.get("/health").status_code in {200, 503}
    assert privy_probes() == probes  # answered from the cache, no probe


def test_dependency_details_are_for_admins_only(api_client: ApiClient, signed_in_user: str) -> None:
    assert api_client.get("/health/dependencies").status_code == 401
    refused = api_client.get("/health/dependencies", user=signed_in_user)
    assert refused.status_code == 403
    assert refused.json() == {"error": {"code": "forbidden", "message": "admin only"}}
    details = api_client.as_admin("GET", "/health/dependencies").json()
    assert set(details["dependencies"]) == DEPENDENCIES
    assert details["dependencies"]["dynamodb"]["ok"] is True
    assert "basis-local-users ACTIVE" in details["dependencies"]["dynamodb"]["detail"]


def test_openapi_document_and_swagger_ui_are_public(api_client: ApiClient) -> None:
    document = api_client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/health" in document["paths"]
    docs = api_client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_openapi_declares_the_bearer_scheme_and_every_error_status(api_client: ApiClient) -> None:
    document = api_client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert document["security"] == [{"bearer": []}]
    assert document["paths"]["/api/v1/health"]["get"]["security"] == [{}]  # public
    sync = document["paths"]["/api/v1/auth/sync"]["post"]["responses"]
    assert {"200", "400", "401", "405", "413", "415", "422"} <= set(sync)
    error_schema = sync["401"]["content"]["application/json"]["schema"]
    assert error_schema == {"$ref": "#/components/schemas/ErrorBody"}
    me = document["paths"]["/api/v1/auth/me"]["get"]["responses"]
    assert {"401", "404"} <= set(me)


def test_protected_routes_need_a_token(api_client: ApiClient) -> None:
    assert api_client.get("/wallets/server").status_code == 401
    assert api_client.get("/wallets/server", token="junk").status_code == 401


def test_a_valid_service_token_passes_the_authorizer(api_client: ApiClient) -> None:
    answer = api_client.get("/no-such-route", token=api_client.service_token("did:privy:svc"))
    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "no_route", "message": "no route GET /api/v1/no-such-route"}}


def test_paths_outside_the_api_are_refused_by_the_gateway(api_client: ApiClient) -> None:
    answer = requests.get(f"{api_client.stack.url('api')}/elsewhere", timeout=10)
    assert answer.status_code == 403


def test_a_known_path_with_the_wrong_method_is_405_with_allow(api_client: ApiClient) -> None:
    answer = api_client.request("PUT", "/auth/sync", token=api_client.service_token("did:privy:svc"))
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"
    assert answer.json() == {
        "error": {
            "code": "method_not_allowed",
            "message": "PUT is not allowed on /api/v1/auth/sync",
            "allowed": ["POST"],
        }
    }


def test_a_user_who_never_signed_in_gets_the_domain_not_found(api_client: ApiClient) -> None:
    answer = api_client.get("/auth/me", user="did:privy:never-signed-in")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "user_not_found"
