"""The scan on the local stack: the schedule fires the dispatcher (the market read once from the
Hyperliquid simulator), the SQS poller hands each user's message to the real scan worker function,
entries open hedges through the positions service (paper, and live sized from the venues), and
every evaluation's outcome is counted on the scan's heartbeat for its slot. Two workers on one user:
one evaluates, one position. One user's error stops no one else. The cooldown after a close (N6)."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from basis.identity import users
from basis.models import ControlFlag
from basis.platform import heartbeat
from basis.positions import service
from basis.positions.store import PositionRecord
from basis.scan import worker
from basis.scan.entry import position_id
from basis.scheduling import scan_dispatch
from basis.strategy import store
from basis.strategy.config import StrategyParameters
from infra.catalog import SCHEDULES
from local.aws.sqs_poller import sqs_event
from local.runtime.stack import LocalStack
from tests.api_client import ApiClient
from tests.helpers import scan_outcomes as outcomes
from tests.helpers import scan_tally, wait_for
from tests.integration.positions.conftest import new_hedger, settled

SCAN = next(s for s in SCHEDULES if s.name == "scan")
# Enters on the simulator's market whatever funding history other tests left behind.
EAGER = StrategyParameters(enabled=True, max_funding_volatility=Decimal(10**9))
HOURLY = Decimal("0.0000125")  # 0.01 % per 8 hours: 32.85 % a year at 3x


@pytest.fixture
def market(stack: LocalStack) -> Iterator[Any]:
    """The simulator's SOL funding at ``HOURLY`` with a history to measure; back to it afterwards."""
    sim = stack.hyperliquid
    sim.set_funding_path("SOL", [HOURLY])
    sim.accrue_funding(2)
    try:
        yield sim
    finally:
        sim.set_funding_path("SOL", [HOURLY])


def user(name: str, parameters: StrategyParameters = EAGER, *, signed_in: bool = True) -> str:
    """A user with ``parameters`` saved (signed in: a paper position needs the user's row)."""
    user_id = f"did:privy:scan-{name}-{uuid.uuid4().hex[:8]}"
    if signed_in:
        users.sign_in(user_id)
    store.save(user_id, parameters, expected_version=0)
    return user_id


def positions(user_id: str) -> list[PositionRecord]:
    return service.list_positions(user_id)


def test_a_scheduled_scan_is_evaluated_by_the_worker_and_counted_on_the_heartbeat(
    stack: LocalStack, market: Any
) -> None:
    eager = [user("eager") for _ in range(3)]
    picky = user("picky", replace(EAGER, min_carry_apy=Decimal(40)))
    shy = user("shy", replace(EAGER, max_funding_volatility=Decimal("0.0001")))
    paused = user("paused")
    store.pause(paused, "user_requested")
    disabled = user("disabled", StrategyParameters())
    market.set_funding_path("SOL", [HOURLY, 2 * HOURLY])
    market.accrue_funding(2)  # a history that varies; the next rate is HOURLY again

    firing = stack.scheduler.fire(SCAN)

    assert firing.ok, firing.detail
    slot = ControlFlag.get("schedule#scan", consistent_read=True).details.as_dict()["slot"]
    for user_id in eager:
        assert wait_for(partial(outcomes, stack, user_id)) == ["entered"]
        [opened] = positions(user_id)
        assert opened.position_id == position_id(user_id, slot) and opened.mode == "paper"
        # 10,000 notional paper balance x 25 % = 2,500 deployed: 3,750 a leg at 3x
        assert (opened.asset, opened.size_usd, opened.leverage) == ("SOL", Decimal(3750), 3)
    assert wait_for(lambda: outcomes(stack, picky)) == ["skipped:carry_below_threshold"]
    assert wait_for(lambda: outcomes(stack, shy)) == ["skipped:volatility_too_high"]
    assert outcomes(stack, paused) == outcomes(stack, disabled) == []  # never queued

    counts = wait_for(lambda: scan_tally(slot))
    assert counts["entered"] >= 3 and counts["skipped:carry_below_threshold"] >= 1
    assert positions(picky) == positions(shy) == positions(paused) == []


def test_negative_funding_enters_no_one(stack: LocalStack, market: Any) -> None:
    eager = user("negative")
    market.set_funding_path("SOL", [Decimal("-0.00001")])

    assert stack.scheduler.fire(SCAN).ok

    assert wait_for(lambda: outcomes(stack, eager)) == ["skipped:funding_not_positive"]


def scan_message(user_id: str, slot: datetime, message_id: str) -> dict[str, Any]:
    snapshot = scan_dispatch.market_now(slot).to_message()
    body = {"user_id": user_id, "slot": scan_dispatch.slot_of(slot), "market": snapshot}
    return {"MessageId": message_id, "ReceiptHandle": f"r-{message_id}", "Body": json.dumps(body)}


def invoke_worker(stack: LocalStack, messages: list[dict[str, Any]]) -> Any:
    result = stack.lambdas.invoke("scan_worker", sqs_event(messages, stack.resources.queues["scan"]["arn"]))
    assert result.error is None, result.error
    return result.payload


def test_two_workers_on_one_user_at_once_one_evaluates(
    stack: LocalStack, market: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = user("raced")
    real = worker.evaluate

    def slow(*args: Any, **kwargs: Any) -> str:
        time.sleep(1.0)  # every other worker arrives while this one holds the user
        return real(*args, **kwargs)

    monkeypatch.setattr(worker, "evaluate", slow)
    now = datetime.now(UTC).replace(microsecond=0)
    # Eight workers, each with its own slot (a slow slot meeting the next one) or the same slot twice.
    slots = [now - timedelta(seconds=s) for s in (0, 0, 1, 2, 3, 4, 5, 6)]
    batches = [[scan_message(target, slot, f"race-{i}")] for i, slot in enumerate(slots)]

    with ThreadPoolExecutor(len(batches)) as pool:
        answers = list(pool.map(lambda batch: invoke_worker(stack, batch), batches))

    assert all(answer["batchItemFailures"] == [] for answer in answers)
    seen = outcomes(stack, target)
    assert seen.count("entered") == 1, seen
    assert sorted(set(seen) - {"entered"}) == ["skipped:lease_held"], seen
    assert len(positions(target)) == 1


def test_a_slot_delivered_again_is_dropped(stack: LocalStack, market: Any) -> None:
    target = user("again")
    message = scan_message(target, datetime.now(UTC).replace(microsecond=0), "again-1")

    invoke_worker(stack, [message])
    invoke_worker(stack, [message])

    assert outcomes(stack, target) == ["entered", "skipped:duplicate_slot"]
    assert len(positions(target)) == 1


def test_one_users_error_stops_no_one_else_in_the_batch(stack: LocalStack, market: Any) -> None:
    # A live strategy of someone who never signed in: no user to read balances for.
    broken = user("broken", replace(EAGER, mode="live"), signed_in=False)
    others = [user("fine") for _ in range(2)]
    now = datetime.now(UTC).replace(microsecond=0)
    batch = [scan_message(u, now, f"batch-{i}") for i, u in enumerate([others[0], broken, others[1]])]
    malformed = {"MessageId": "batch-x", "ReceiptHandle": "r-x", "Body": json.dumps({"user_id": broken})}

    before = Counter(heartbeat.counts("scan", scan_dispatch.slot_of(now)))  # other tests' of this second

    answer = invoke_worker(stack, [*batch[:2], malformed, batch[2]])

    assert answer["batchItemFailures"] == []  # evaluated and counted: the next slot tries again
    assert outcomes(stack, broken) == ["failed:error"]
    assert [outcomes(stack, u) for u in others] == [["entered"], ["entered"]]
    # the malformed message has no slot: dropped, counted in the metric only
    counted = Counter(heartbeat.counts("scan", scan_dispatch.slot_of(now))) - before
    assert counted == {"entered": 2, "failed:error": 1}


def test_lowering_the_cooldown_after_a_close_does_not_shorten_it(stack: LocalStack, market: Any) -> None:
    closed = user("closed", replace(EAGER, cooldown_minutes=30))
    store.record_close(closed, datetime.now(UTC) - timedelta(minutes=10))  # 30 minutes from then
    current = store.get(closed)
    store.save(closed, replace(current.parameters, cooldown_minutes=5), expected_version=current.version)
    long_ago = user("long-ago", replace(EAGER, cooldown_minutes=30))
    store.record_close(long_ago, datetime.now(UTC) - timedelta(minutes=31))
    now = datetime.now(UTC).replace(microsecond=0)

    invoke_worker(stack, [scan_message(u, now, f"cool-{i}") for i, u in enumerate([closed, long_ago])])

    assert outcomes(stack, closed) == ["skipped:cooldown"]
    assert outcomes(stack, long_ago) == ["entered"]


def test_a_market_that_cannot_be_read_queues_no_one_and_says_so(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(fired_at: datetime) -> Any:
        raise ConnectionError("hyperliquid is down")

    monkeypatch.setattr(scan_dispatch, "market_now", down)
    fired_at = datetime.now(UTC).replace(microsecond=0)

    with pytest.raises(scan_dispatch.MarketUnavailableError):
        scan_dispatch.dispatch(fired_at, stack.resources.queues["scan"]["url"])

    details = ControlFlag.get("schedule#scan", consistent_read=True).details.as_dict()
    assert details["slot"] == scan_dispatch.slot_of(fired_at) and details["queued"] == 0
    assert details["market"] == "unavailable: ConnectionError"


def test_a_user_at_their_position_limit_enters_no_more(stack: LocalStack, market: Any) -> None:
    target = user("limit", replace(EAGER, max_concurrent_positions=1))
    now = datetime.now(UTC).replace(microsecond=0)

    invoke_worker(stack, [scan_message(target, now - timedelta(seconds=1), "limit-1")])
    invoke_worker(stack, [scan_message(target, now, "limit-2")])

    assert outcomes(stack, target) == ["entered", "skipped:max_positions"]
    assert len(positions(target)) == 1


def test_a_live_strategy_is_sized_from_the_venues_and_its_hedge_opens(
    api_client: ApiClient, market: Any
) -> None:
    stack = api_client.stack
    hedger = new_hedger(api_client, hyperliquid_usdc=1000, solana_usdc=500)
    store.save(hedger.user_id, replace(EAGER, mode="live"), expected_version=0)
    now = datetime.now(UTC).replace(microsecond=0)

    invoke_worker(stack, [scan_message(hedger.user_id, now, "live-1")])

    assert outcomes(stack, hedger.user_id) == ["entered"]
    opened = settled(hedger.user_id, position_id(hedger.user_id, scan_dispatch.slot_of(now)))
    # (1,000 withdrawable on Hyperliquid + 500 USDC on Solana) x 25 % = 375 deployed: 562.50 a leg at 3x
    assert (opened.status, opened.mode, opened.size_usd) == ("open", "live", Decimal("562.50"))
    closing = service.close_position(hedger.user_id, opened.position_id, "test over")
    assert settled(hedger.user_id, closing.position_id, frozenset({"closed"})).status == "closed"
