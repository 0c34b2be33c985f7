"""``GET /api/v1/health/wallets`` refuses every caller but an admin (the admin path, backed by
DynamoDB, is covered with the local stack in tests/integration/test_signer.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.api.app import create_app

NO_CONTEXT = cast(LambdaContext, None)  # the resolver does not read it

EVENT = Path(__file__).resolve().parents[3] / "events" / "api_wallets_server.json"


def event(context: dict[str, str] | None) -> dict[str, Any]:
    base = json.loads(EVENT.read_text())
    base["path"] = "/api/v1/health/wallets"
    base["httpMethod"] = "GET"
    base.setdefault("requestContext", {})["authorizer"] = context
    return base


@pytest.mark.parametrize(
    ("context", "status"),
    [
        ({"user_id": "did:privy:alice", "kind": "user", "role": "user"}, 403),
        ({"user_id": "did:privy:svc", "kind": "service", "role": "user"}, 403),
        (None, 401),
    ],
)
def test_non_admin_callers_are_refused(context: dict[str, str] | None, status: int) -> None:
    answer = create_app().resolve(event(context), NO_CONTEXT)
    assert answer["statusCode"] == status, answer


def test_the_route_is_in_the_openapi_document() -> None:
    document = json.loads(create_app().get_openapi_json_schema(title="t", version="1"))
    assert "/api/v1/health/wallets" in document["paths"]
