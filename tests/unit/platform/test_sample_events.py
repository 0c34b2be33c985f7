"""The sample events in events/ are what each entry point's parser accepts (they double as
fixtures for local invokes), and what the local stack's gateway/scheduler/poller produce."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventModel,
    EventBridgeModel,
    SqsModel,
)

from basis.positions.saga import StepInput as HedgeStepInput
from basis.scan.consumer import ScanRequest
from basis.scan.market import MarketSnapshot
from basis.transfers import withdrawal_saga
from basis.transfers.deposit_saga import StepInput
from basis.wallets.consumer import WalletsRequested

EVENTS = Path(__file__).resolve().parents[3] / "events"


def load(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.mark.parametrize("name", ["api_health", "api_auth_sync", "api_wallets_server"])
def test_api_events_parse_as_api_gateway_proxy_events(name: str) -> None:
    event = parse(load(name), model=APIGatewayProxyEventModel)
    assert event.path.startswith("/api/v1/")


def test_authenticated_api_events_carry_the_authorizer_context() -> None:
    event = load("api_auth_sync")
    assert event["requestContext"]["authorizer"]["user_id"] == "did:privy:alice"
    assert json.loads(event["body"]) == {"email": "alice@example.com"}


def test_schedule_event_parses_as_eventbridge() -> None:
    event = parse(load("schedule_scan"), model=EventBridgeModel)
    assert event.detail_type == "Scheduled Event" and event.source == "aws.events"


def test_sqs_event_carries_a_wallets_requested_eventbridge_event() -> None:
    event = parse(load("sqs_wallets_requested"), model=SqsModel)
    inner = json.loads(str(event.Records[0].body))
    assert WalletsRequested.model_validate(inner["detail"]).user_id == "did:privy:alice"


def test_sqs_event_carries_a_scan_request_with_its_slots_market() -> None:
    event = parse(load("sqs_scan"), model=SqsModel)
    request = ScanRequest.model_validate(json.loads(str(event.Records[0].body)))
    assert request.user_id == "did:privy:alice" and request.slot_time().minute == 0
    assert MarketSnapshot.from_message(request.market).assets["SOL"].funding_8h == Decimal("0.0001")


def test_step_function_task_payload_is_a_valid_step() -> None:
    assert StepInput.model_validate(load("sfn_deposit_validate")).step == "validate"
    withdrawal = withdrawal_saga.StepInput.model_validate(load("sfn_withdrawal_withdraw"))
    assert withdrawal.step == "withdraw"
    assert HedgeStepInput.model_validate(load("sfn_hedge_open_short")).position_id == "pos-0001"


def test_authorizer_event_is_a_request_authorizer_event() -> None:
    event = load("authorizer_request")
    assert event["type"] == "REQUEST" and event["methodArn"].startswith("arn:aws:execute-api:")
    assert event["headers"]["Authorization"] == "Bearer <token>"
