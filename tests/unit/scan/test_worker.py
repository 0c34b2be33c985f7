"""One user's scan with in-memory stand-ins for the stores and services: the order of the checks, the
user's turn (a second delivery of a slot is dropped, a held lease skips), the entry seam, and every
evaluation ending in one named outcome."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from basis.scan.consumer import ScanBatch
from basis.scan.entry import Entry, position_id
from basis.scan.market import AssetMarket, MarketSnapshot
from basis.scan.worker import Ports
from basis.strategy.config import Strategy, StrategyParameters

USER = "did:privy:alice"
GOOD = AssetMarket("SOL", Decimal("0.0000125"), None, Decimal(10), Decimal(150))
ON = StrategyParameters(enabled=True)


@dataclass
class World:
    """The stores and services one scan reads, in memory."""

    parameters: StrategyParameters = ON
    block: str | None = None
    open_count: int = 0
    balance: Decimal = Decimal(10_000)
    kill_switch: list[bool] = field(default_factory=lambda: [False])
    trades_left: int = 20
    open_raises: bool = False
    held_by_another: bool = False
    done: set[tuple[str, str]] = field(default_factory=set)
    opened: list[Entry] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    # -- the ports ---------------------------------------------------------------------------------
    def open(self, entry: Entry) -> None:
        if self.open_raises:
            raise ConnectionError("the saga could not start")
        self.opened.append(entry)

    def positions_open_count(self, user_id: str) -> int:
        return self.open_count

    @contextmanager
    def turn(self, user_id: str, slot: str) -> Iterator[str | None]:
        if self.held_by_another:
            yield "lease_held"
            return
        first = (user_id, slot) not in self.done
        self.done.add((user_id, slot))
        yield None if first else "duplicate_slot"

    def record_trade(self, user_id: str, now: datetime) -> bool:
        if self.trades_left <= 0:
            return False
        self.trades_left -= 1
        return True

    def ports(self, *, wired: bool = True) -> Ports:
        positions = _Positions(self) if wired else None
        return Ports(
            positions=positions,
            turn=self.turn,
            strategy=lambda user_id: Strategy(user_id, self.parameters, version=1),
            kill_switch_engaged=lambda: (
                self.kill_switch.pop(0) if len(self.kill_switch) > 1 else self.kill_switch[0]
            ),
            entry_block=lambda user_id, now, **_: self.block,
            record_trade=self.record_trade,
            record_failure=self.failures.append,
            balance=lambda user_id, parameters: self.balance,
        )


class _Positions:
    def __init__(self, world: World) -> None:
        self.world = world

    def open_count(self, user_id: str) -> int:
        return self.world.positions_open_count(user_id)

    def open(self, entry: Entry) -> None:
        self.world.open(entry)


def message(slot: datetime | None = None, market: AssetMarket = GOOD, user: str = USER) -> SQSRecord:
    at = slot or datetime.now(UTC).replace(microsecond=0)
    body = {
        "user_id": user,
        "slot": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "market": MarketSnapshot(at, {"SOL": market}).to_message(),
    }
    return SQSRecord({"messageId": "m-1", "body": json.dumps(body), "eventSource": "aws:sqs"})


def scan(world: World, record: SQSRecord | None = None, *, wired: bool = True) -> str:
    return ScanBatch(world.ports(wired=wired)).handle_record(record or message())


def test_an_opportunity_enters_through_the_seam_with_the_decided_size() -> None:
    world = World()
    record = message()
    assert scan(world, record) == "entered"
    [entry] = world.opened
    slot = json.loads(record.body)["slot"]
    assert entry.position_id == position_id(USER, slot) and entry.user_id == USER
    assert (entry.asset, entry.size_usd, entry.leverage, entry.mode) == ("SOL", Decimal(2500), 3, "paper")
    assert world.trades_left == 19


def test_with_no_positions_service_wired_nothing_is_claimed_entered() -> None:
    world = World()
    assert scan(world, wired=False) == "entry_ready"
    assert world.opened == [] and world.trades_left == 20  # no trade taken for an entry not made


def test_a_second_delivery_of_a_slot_is_dropped_and_the_next_slot_is_evaluated() -> None:
    world = World(parameters=replace(ON, max_concurrent_positions=3))
    first = message()
    assert scan(world, first) == "entered"
    assert scan(world, first) == "skipped:duplicate_slot"
    later = message(datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1))
    assert scan(world, later) == "entered"
    assert len(world.opened) == 2


def test_a_user_another_worker_is_evaluating_is_skipped() -> None:
    world = World(held_by_another=True)
    assert scan(world) == "skipped:lease_held"
    assert world.opened == []


def test_a_stale_slot_decides_nothing() -> None:
    world = World()
    old = message(datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5))
    assert scan(world, old) == "skipped:stale_slot"
    assert world.done == set()  # not even the user's turn was taken


@pytest.mark.parametrize(
    ("world", "outcome"),
    [
        # the risk manager's block comes first: over every other limit, still its reason
        (World(block="paused", open_count=3, balance=Decimal(0)), "skipped:paused"),
        (World(block="cooldown", open_count=3), "skipped:cooldown"),
        # then the positions, before the market
        (World(open_count=2, balance=Decimal(0)), "skipped:max_positions"),
        # the user's limit is never above the system's 3
        (World(parameters=replace(ON, max_concurrent_positions=5), open_count=3), "skipped:max_positions"),
        (
            World(parameters=replace(ON, min_carry_apy=Decimal(99)), balance=Decimal(0)),
            "skipped:carry_below_threshold",
        ),
        (World(balance=Decimal(399)), "skipped:balance_too_low"),
        (World(kill_switch=[False, True]), "skipped:kill_switch"),  # engaged during the batch
        (World(trades_left=0), "skipped:daily_limit"),  # the day's count taken by another entry
    ],
)
def test_the_checks_run_in_order_and_name_the_first_that_stops(world: World, outcome: str) -> None:
    assert scan(world) == outcome
    assert world.opened == []


def test_a_start_that_fails_is_counted_for_the_breaker() -> None:
    world = World(open_raises=True)
    assert scan(world) == "failed:open_position"
    assert world.failures == [USER]


def test_a_balance_that_cannot_be_read_fails_the_evaluation_only() -> None:
    from basis.scan.sizing import BalanceUnavailableError

    def unreadable(user_id: str, parameters: StrategyParameters) -> Decimal:
        raise BalanceUnavailableError("hyperliquid withdrawable: ConnectionError")

    world = World()
    ports = replace(world.ports(), balance=unreadable)
    assert ScanBatch(ports).handle_record(message()) == "failed:balance_unavailable"


def test_a_bug_in_one_evaluation_is_a_named_failure_not_an_exception() -> None:
    world = World()

    def broken(user_id: str) -> Strategy:
        raise RuntimeError("a bug")

    batch = ScanBatch(replace(world.ports(), strategy=broken))
    at = datetime.now(UTC).replace(microsecond=0)
    assert batch.handle_record(message(at)) == "failed:error"
    assert batch.handle_record(message(at, user="did:privy:bob")) == "failed:error"
    assert batch.tally.by_slot[at.strftime("%Y-%m-%dT%H:%M:%SZ")]["failed:error"] == 2


def test_a_malformed_message_is_dropped_as_such() -> None:
    record = SQSRecord({"messageId": "m-2", "body": json.dumps({"user_id": USER}), "eventSource": "aws:sqs"})
    assert scan(World(), record) == "failed:malformed"
