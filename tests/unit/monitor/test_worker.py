"""One user's monitor turn with in-memory stand-ins for the stores, venues and services: the kill
switch, unwatching a user with nothing left, exits started with their reasons, a close that cannot
start counted for the breaker without stopping the others, timers kept across turns (a new worker
reads them back) and dropped with their positions, one user's failure stopping no one else."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from basis.monitor.consumer import MonitorBatch
from basis.monitor.exits import Limits
from basis.monitor.worker import Ports
from basis.positions.store import PositionRecord
from basis.positions.valuation import Reading, Valuation
from basis.risk.tracking import RiskState
from basis.scan.market import AssetMarket, MarketSnapshot
from basis.strategy.config import Strategy, StrategyParameters
from tests.unit.monitor.positions import open_position

ALICE, BOB = "did:privy:alice", "did:privy:bob"
FUNDING = AssetMarket("SOL", Decimal("0.0000125"), None, Decimal(10), Decimal(150))  # 32.85 % at 3x
WINDOW = timedelta(seconds=20)
ON = StrategyParameters(enabled=True)


def valuation(pnl: str = "1", health: str | None = "25", margin: str | None = "0.1") -> Valuation:
    def reading(value: str | None) -> Reading:
        return Reading(None if value is None else Decimal(value), "test")

    zero = reading("0")
    return Valuation(zero, zero, zero, zero, reading(pnl), reading(health), reading(margin))


@dataclass
class World:
    """Every user's positions, risk rows and strategies, and what the worker did to them."""

    positions: dict[str, list[PositionRecord]] = field(default_factory=dict)
    values: dict[str, Valuation] = field(default_factory=dict)  # by position id
    risk: dict[str, RiskState] = field(default_factory=dict)
    parameters: StrategyParameters = ON
    kill_switch: list[bool] = field(default_factory=lambda: [False])
    refuse_close: set[str] = field(default_factory=set)
    broken_users: set[str] = field(default_factory=set)
    closed: list[tuple[str, str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unwatched: list[tuple[str, int]] = field(default_factory=list)
    observed: list[str] = field(default_factory=list)  # users whose balance a turn observed
    timer_writes: int = 0

    def state(self, user_id: str) -> RiskState:
        return self.risk.get(user_id, RiskState(user_id))

    def change_proximity(self, user_id: str, change: Callable[[RiskState], RiskState | None]) -> RiskState:
        after = change(self.state(user_id))
        if after is not None:
            self.timer_writes += 1
            self.risk[user_id] = after
        return self.state(user_id)

    def unwatch(self, user_id: str, marks: int) -> bool:
        self.unwatched.append((user_id, marks))
        return True

    def close(self, user_id: str, position_id: str, reason: str) -> PositionRecord:
        if position_id in self.refuse_close:
            raise ConnectionError("Step Functions did not answer")
        self.closed.append((user_id, position_id, reason))
        return next(p for p in self.positions[user_id] if p.position_id == position_id)

    def strategy(self, user_id: str) -> Strategy:
        if user_id in self.broken_users:
            raise RuntimeError("a bug")
        return Strategy(user_id, self.parameters, version=1)

    def ports(self) -> Ports:
        @contextmanager
        def turn(user_id: str, slot: str) -> Iterator[str | None]:
            yield None

        return Ports(
            turn=turn,
            kill_switch_engaged=lambda: (
                self.kill_switch.pop(0) if len(self.kill_switch) > 1 else self.kill_switch[0]
            ),
            risk_state=self.state,
            positions=lambda user_id: self.positions.get(user_id, []),
            strategy=self.strategy,
            value=lambda position: self.values.get(position.position_id, valuation()),
            change_proximity=self.change_proximity,
            unwatch=self.unwatch,
            close=self.close,
            record_failure=self.failures.append,
            observe_balance=self.observed.append,
            limits=lambda: Limits(WINDOW, Decimal(5), Decimal("0.8")),
        )


def message(user: str = ALICE, at: datetime | None = None, market: bool = True) -> SQSRecord:
    at = at or datetime.now(UTC).replace(microsecond=0)
    body = {
        "user_id": user,
        "slot": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "market": MarketSnapshot(at, {"SOL": FUNDING}).to_message() if market else None,
    }
    return SQSRecord({"messageId": f"m-{user}", "body": json.dumps(body), "eventSource": "aws:sqs"})


def monitor(world: World, record: SQSRecord | None = None) -> str:
    return MonitorBatch(world.ports()).handle_record(record or message())


def test_a_calm_position_holds_and_nothing_is_written() -> None:
    world = World(positions={ALICE: [open_position()]})
    assert monitor(world) == "held"
    assert world.closed == [] and world.timer_writes == 0


def test_a_stop_loss_starts_the_close_with_its_reason_and_is_counted_by_reason() -> None:
    world = World(positions={ALICE: [open_position()]}, values={"pos-1": valuation(pnl="-10")})
    batch = MonitorBatch(world.ports())
    record = message()
    assert batch.handle_record(record) == "exited"
    assert world.closed == [(ALICE, "pos-1", "stop_loss")]
    slot = json.loads(record.body)["slot"]
    assert batch.exits.by_slot[slot] == {"exit:stop_loss": 1}
    assert batch.tally.by_slot[slot] == {"exited": 1}


def test_paper_positions_are_judged_the_same_way() -> None:
    paper = open_position(mode="paper")
    world = World(positions={ALICE: [paper]}, values={"pos-1": valuation(pnl="25")})
    world.parameters = replace(world.parameters, take_profit_pct=Decimal(20))
    assert monitor(world) == "exited"
    assert world.closed == [(ALICE, "pos-1", "take_profit")]


def test_the_kill_switch_judges_nothing() -> None:
    world = World(positions={ALICE: [open_position()]}, kill_switch=[True])
    assert monitor(world) == "skipped:kill_switch"
    assert world.closed == [] and world.unwatched == []


def test_a_kill_switch_engaged_during_the_batch_starts_no_exit() -> None:
    world = World(
        positions={ALICE: [open_position()]},
        values={"pos-1": valuation(pnl="-50", health="1")},
        kill_switch=[False, True],
    )
    assert monitor(world) == "skipped:kill_switch"
    assert world.closed == []
    assert set(world.state(ALICE).proximity_started) == {f"{ALICE}:asgard_PDApos-1"}  # timers still kept


def test_a_user_with_nothing_left_is_unwatched_with_the_marks_read_first() -> None:
    closed = replace(open_position(), status="closed")
    world = World(positions={ALICE: [closed]}, risk={ALICE: RiskState(ALICE, watched=True, watch_marks=4)})
    assert monitor(world) == "skipped:no_positions"
    assert world.unwatched == [(ALICE, 4)]


def test_positions_still_opening_or_closing_keep_the_user_watched() -> None:
    world = World(
        positions={
            ALICE: [open_position(status="opening"), open_position(position_id="p2", status="closing")]
        }
    )
    assert monitor(world) == "held"
    assert world.unwatched == [] and world.closed == []


def test_a_close_that_cannot_start_counts_for_the_breaker_and_the_others_still_exit() -> None:
    positions = [open_position(position_id=p) for p in ("p1", "p2", "p3")]
    world = World(
        positions={ALICE: positions},
        values={p.position_id: valuation(pnl="-20") for p in positions},
        refuse_close={"p2"},
    )
    assert monitor(world) == "failed:close"
    assert world.closed == [(ALICE, "p1", "stop_loss"), (ALICE, "p3", "stop_loss")]
    assert world.failures == [ALICE]


def test_a_position_that_could_not_be_read_holds_on_what_is_known() -> None:
    world = World(positions={ALICE: [open_position()]}, values={"pos-1": valuation(pnl="1", health=None)})
    assert monitor(world) == "failed:unvalued"
    assert monitor(World(positions={ALICE: [open_position()]}), message(market=False)) == "failed:unvalued"
    # Without the market, a stop loss still exits.
    losing = World(positions={ALICE: [open_position()]}, values={"pos-1": valuation(pnl="-30")})
    assert monitor(losing, message(market=False)) == "exited"


def test_proximity_timers_outlive_the_worker_and_fire_after_the_window() -> None:
    world = World(positions={ALICE: [open_position()]}, values={"pos-1": valuation(health="2")})
    start = datetime.now(UTC).replace(microsecond=0)
    assert monitor(world, message(at=start)) == "held"
    [(key, started)] = world.state(ALICE).proximity_started.items()
    assert key == f"{ALICE}:asgard_PDApos-1"
    # A new batch (another container: nothing in memory) reads the timer back; nothing rewrites it.
    writes = world.timer_writes
    assert MonitorBatch(world.ports()).handle_record(message(at=start)) == "held"
    assert world.state(ALICE).proximity_started == {key: started} and world.timer_writes == writes
    world.risk[ALICE] = replace(world.state(ALICE), proximity_started={key: started - WINDOW})
    assert MonitorBatch(world.ports()).handle_record(message(at=start)) == "exited"
    assert world.closed == [(ALICE, "pos-1", "asgard_liquidation_proximity")]


def test_timers_of_positions_no_longer_open_are_dropped() -> None:
    now = datetime.now(UTC)
    stale = {f"{ALICE}:asgard_PDAgone": now, f"{ALICE}:hyperliquid_SOL": now}
    world = World(
        positions={ALICE: [open_position(), replace(open_position(position_id="gone"), status="closing")]},
        risk={ALICE: RiskState(ALICE, proximity_started=stale)},
    )
    assert monitor(world) == "held"
    assert world.state(ALICE).proximity_started == {}  # SOL's margin read fine: cleared too


def test_one_users_failure_stops_no_one_else_in_the_batch() -> None:
    world = World(
        positions={ALICE: [open_position()], BOB: [open_position(BOB)]},
        values={"pos-1": valuation(pnl="-90")},
        broken_users={ALICE},
    )
    batch = MonitorBatch(world.ports())
    assert batch.handle_record(message(ALICE)) == "failed:error"
    assert batch.handle_record(message(BOB)) == "exited"
    assert world.closed == [(BOB, "pos-1", "stop_loss")]


def test_the_balance_is_observed_once_per_turn_only_for_live_positions_none_moving() -> None:
    world = World(positions={ALICE: [open_position(), open_position(position_id="pos-2")]})
    assert monitor(world) == "held"
    assert world.observed == [ALICE]  # once, however many positions
    paper = World(positions={ALICE: [open_position(mode="paper")]})
    monitor(paper)
    assert paper.observed == []  # paper has no real balance
    closing = World(
        positions={ALICE: [open_position(), open_position(position_id="pos-2", status="closing")]}
    )
    monitor(closing)
    assert closing.observed == []  # money between the venues and the wallets: a partial balance


def test_a_drawdown_pause_does_not_stop_the_exits() -> None:
    world = World(positions={ALICE: [open_position()]}, values={"pos-1": valuation(pnl="-10")})
    world.parameters = replace(world.parameters, enabled=False)  # as a paused strategy reads
    assert monitor(world) == "exited"
    assert world.observed == [ALICE] and world.closed == [(ALICE, "pos-1", "stop_loss")]
