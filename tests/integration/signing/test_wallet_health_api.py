"""``GET /api/v1/health/wallets`` for an admin, backed by DynamoDB Local (ledger + breaker)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.api.app import create_app
from basis.signing import telemetry
from local.runtime.stack import LocalStack

NO_CONTEXT = cast(LambdaContext, None)  # the resolver does not read it

EVENT = Path(__file__).resolve().parents[3] / "events" / "api_wallets_server.json"


def _report() -> dict[str, Any]:
    event = json.loads(EVENT.read_text())
    event.update(path="/api/v1/health/wallets", httpMethod="GET")
    event.setdefault("requestContext", {})["authorizer"] = {
        "user_id": "ops",
        "kind": "service",
        "role": "admin",
    }
    answer = create_app().resolve(event, NO_CONTEXT)
    assert answer["statusCode"] == 200, answer
    report: dict[str, Any] = json.loads(answer["body"])
    return report


def test_admin_gets_totals_by_result_and_breaker_state(stack: LocalStack) -> None:
    def totals() -> dict[str, int]:
        report = _report()
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


def test_users_with_incomplete_wallets_are_listed_and_counted(
    stack: LocalStack, signed_in_user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from basis.identity import users
    from basis.wallets.store import CreatedWallet, record_wallet

    bare, half = f"did:privy:bare-{uuid.uuid4().hex[:8]}", f"did:privy:half-{uuid.uuid4().hex[:8]}"
    users.sign_in(bare)  # signed in, provisioning never ran
    users.sign_in(half)
    record_wallet(half, CreatedWallet(f"w-{uuid.uuid4().hex[:8]}", f"0x{uuid.uuid4().hex:0>40}", "ethereum"))
    capsys.readouterr()

    listed = {u["user_id"]: u for u in _report()["incomplete_wallets"]}

    assert listed[bare]["missing"] == ["ethereum", "solana"]
    assert listed[half]["missing"] == ["solana"]
    assert signed_in_user not in listed  # both wallets ready
    metrics = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"IncompleteWallets"' in line
    ]
    assert metrics and metrics[-1]["IncompleteWallets"] == [len(listed)]
