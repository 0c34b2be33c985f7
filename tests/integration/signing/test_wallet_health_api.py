"""``GET /api/v1/health/wallets`` for an admin, backed by DynamoDB Local (ledger + breaker)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.api.app import create_app
from basis.signing import telemetry
from local.runtime.stack import LocalStack

NO_CONTEXT = cast(LambdaContext, None)  # the resolver does not read it

EVENT = Path(__file__).resolve().parents[3] / "events" / "api_wallets_server.json"


def test_admin_gets_totals_by_result_and_breaker_state(stack: LocalStack) -> None:
    def totals() -> dict[str, int]:
        event = json.loads(EVENT.read_text())
        event.update(path="/api/v1/health/wallets", httpMethod="GET")
        event.setdefault("requestContext", {})["authorizer"] = {
            "user_id": "ops",
            "kind": "service",
            "role": "admin",
        }
        answer = create_app().resolve(event, NO_CONTEXT)
        assert answer["statusCode"] == 200, answer
        report = json.loads(answer["body"])
        assert report["circuit_breaker"]["state"] in {"closed", "open", "half_open"}
        return report["signing"]["last_1h"]

    before = totals()
    for result in ("success", "policy_denied", "cap_exceeded"):
        telemetry.record(
            telemetry.SigningEvent(
                "did:privy:health", "w1", "0xabc", "ethereum", "eth_signTransaction", "deposit", result, 3.0
            )
        )
    after = totals()
    for result in ("success", "policy_denied", "cap_exceeded"):
        assert after[result] - before[result] == 1
    assert after["total"] - before["total"] == 3
