"""Fixtures of the monitor tests on the local stack: a calm market (funding paying the short, both
venues at 150) put back after each test, paper and live hedges opened through the positions
service, and the real monitor function invoked for chosen users as SQS would."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from basis.positions import service
from basis.scheduling import scan_dispatch
from basis.scheduling.slots import slot_of
from local.aws.lambdas import LocalLambdas
from local.aws.sqs_poller import sqs_event
from local.runtime.stack import LocalStack
from tests.integration.positions.conftest import settled

HOURLY = Decimal("0.0000125")  # 0.01 % per 8 hours: 32.85 % a year at 3x, well above the exit's 5 %
PRICE = Decimal(150)


@dataclass
class Market:
    stack: LocalStack

    def move(self, *, hyperliquid: Decimal | None = None, asgard: Decimal | None = None) -> None:
        if hyperliquid is not None:
            self.stack.hyperliquid.set_mark("SOL", hyperliquid)
        if asgard is not None:
            self.stack.asgard.set_price(asgard)


@pytest.fixture
def market(stack: LocalStack) -> Iterator[Market]:
    """SOL at 150 on both venues, funding at ``HOURLY``; back to that afterwards."""
    sim = stack.hyperliquid
    sim.set_funding_path("SOL", [HOURLY])
    sim.accrue_funding(2)
    moves = Market(stack)
    moves.move(hyperliquid=PRICE, asgard=PRICE)
    try:
        yield moves
    finally:
        moves.move(hyperliquid=PRICE, asgard=PRICE)
        sim.set_funding_path("SOL", [HOURLY])


def open_hedge(user_id: str, mode: str = "paper") -> str:
    """A 3x SOL hedge of 150 a leg (100 of capital), once open."""
    position = service.open_position(
        user_id,
        asset="SOL",
        size_usd=Decimal(150),
        leverage=Decimal(3),
        mode=mode,  # type: ignore[arg-type]
        reason="test",
        intent_key=uuid.uuid4().hex,
    )
    opened = settled(user_id, position.position_id)
    assert opened.status == "open", opened.error
    return position.position_id


_last_slot: list[str] = [""]


def next_slot() -> datetime:
    """A slot (a second) no earlier invocation used: a slot is handled once per user."""
    while slot_of(now := datetime.now(UTC).replace(microsecond=0)) == _last_slot[0]:
        time.sleep(0.05)
    _last_slot[0] = slot_of(now)
    return now


def monitor_message(user_id: str, at: datetime) -> dict[str, Any]:
    """The dispatcher's message for ``user_id`` in the slot of ``at``, with the market read."""
    body = {"user_id": user_id, "slot": slot_of(at), "market": scan_dispatch.market_now(at).to_message()}
    return {"MessageId": f"m-{uuid.uuid4().hex[:8]}", "ReceiptHandle": "r", "Body": json.dumps(body)}


def invoke_monitor(stack: LocalStack, *user_ids: str, lambdas: LocalLambdas | None = None) -> Any:
    """The real monitor function on one message per user (``lambdas``: other containers)."""
    at = next_slot()
    event = sqs_event([monitor_message(u, at) for u in user_ids], stack.resources.queues["monitor"]["arn"])
    result = (lambdas or stack.lambdas).invoke("monitor_worker", event)
    assert result.error is None, result.error
    assert result.payload["batchItemFailures"] == []
    return result.payload
