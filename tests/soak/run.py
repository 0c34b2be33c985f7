"""The soak itself: a local stack of its own (its DynamoDB Local is the process it pauses), N users
signed in and funded on the local chains with a live strategy, each running ``Journey`` cycles
under ``Chaos`` while the market moves (``MarketMotion``) until ``seconds`` have passed; then the
faults stop, the sagas finish, positions still open are closed (close-all), the reconciler runs
(now, and as it will run once a stuck transfer is due), and every user is audited
(``tests.soak.audit``)."""

from __future__ import annotations

import math
import os
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from eth_account import Account

from infra.catalog import SCHEDULES
from local.aws.scheduler import scheduled_event
from local.cli.funding import Funding, fund_user
from local.runtime.stack import LocalStack
from tests.helpers import sign_in
from tests.soak.audit import Funded, UserAudit, audit_user
from tests.soak.chaos import Chaos
from tests.soak.journey import POSITION_FINAL, TRANSFER_FINAL, Journey, SoakClient, UserRun, until
from tests.soak.market import MarketMotion

RECONCILER = next(s for s in SCHEDULES if s.target == "reconciler")
STUCK_DUE = timedelta(minutes=6)  # past the reconciler's 5 minutes: every unmoved transfer is due


@dataclass(frozen=True)
class SoakConfig:
    seconds: float = 300
    users: int = 4
    seed: int = 13
    arbitrum_usdc: Decimal = Decimal(2000)  # each user's, on anvil
    solana_usdc: Decimal = Decimal(400)  # each user's, on Solana (the long's collateral)
    deposit_usdc: Decimal = Decimal(250)
    withdraw_usdc: Decimal = Decimal(150)
    # The 24 h USDC cap per user, which deposits and withdrawals both count against: 5 cycles fit,
    # the 6th deposit is refused by it.
    usdc_daily_cap: Decimal = Decimal(2000)
    settle_seconds: float = 300
    log_dir: Path | None = None

    @classmethod
    def sized(cls, seconds: float, users: int, seed: int) -> SoakConfig:
        """The 24 h cap (and the USDC on anvil) for about one funded round a minute: the cap refuses
        a deposit near the end of the soak, not in its first minutes."""
        cap = Decimal(400 * max(5, math.ceil(seconds / 60)))  # a round counts 250 + 150 against it
        return cls(seconds=seconds, users=users, seed=seed, usdc_daily_cap=cap, arbitrum_usdc=cap)

    def environment(self) -> dict[str, str]:
        """The product's caps for the soak (configuration, as CDK would set them)."""
        return {
            "BASIS_MAX_USDC_DAILY": str(self.usdc_daily_cap),
            "BASIS_MAX_USDC_PER_TX": str(self.usdc_daily_cap),
        }


@dataclass
class SoakResult:
    config: SoakConfig
    runs: list[UserRun] = field(default_factory=list)
    audits: list[UserAudit] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    injected: dict[str, Counter[str]] = field(default_factory=dict)
    paused_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    reconciler: Counter[str] = field(default_factory=Counter)
    market: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # the soak's own troubles (a thread that never ended)


def _user(stack: LocalStack, config: SoakConfig) -> UserRun:
    user_id = sign_in(stack, "soak")
    funding = Funding(usdc=config.arbitrum_usdc, sol=Decimal(1), solana_usdc=config.solana_usdc)
    fund_user({"anvil": stack.url("anvil"), "solana": stack.url("solana")}, user_id, funding)
    run = UserRun(user_id, "", "")
    client = SoakClient(stack, run)
    wallets = client.json("GET", "/wallets/server")
    run.evm_address, run.solana_address = wallets["evm_address"], wallets["solana_address"]
    from basis.api.strategy_schemas import StrategyParametersBody

    current = client.json("GET", "/strategy")
    body = {k: v for k, v in current.items() if k in StrategyParametersBody.model_fields}
    body.update(enabled=True, mode="live", max_funding_volatility="1000000000", max_concurrent_positions=3)
    saved = client.call("PUT", "/strategy", json={**body, "version": current["version"]})
    assert saved is not None and saved.ok, saved.text if saved is not None else "no answer"
    external = {"address": Account.create().address, "label": "soak"}
    registered = client.call("POST", "/funding/withdrawal-addresses", json=external)
    assert registered is not None and registered.ok, (
        registered.text if registered is not None else "no answer"
    )
    run.destination = registered.json()["address"]
    return run


def _running_executions(stack: LocalStack) -> int:
    sfn = stack.client("stepfunctions")
    return sum(
        len(sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"])
        for arn in stack.resources.state_machines.values()
    )


def _reconcile(stack: LocalStack, at: datetime) -> Counter[str]:
    result = stack.lambdas.invoke("reconciler", scheduled_event(RECONCILER, "arn:rule/reconcile", at))
    if result.error is not None:
        return Counter({f"error: {result.error}": 1})
    return Counter({k: v for k, v in result.payload.items() if isinstance(v, int) and v})


def _settled(runs: list[UserRun]) -> bool:
    from basis.positions.store import list_for_user as positions_of
    from basis.transfers import store

    for run in runs:
        if any(
            t.stage not in TRANSFER_FINAL or t.needs_reconciliation for t in store.list_for_user(run.user_id)
        ):
            return False
        if any(p.status not in POSITION_FINAL for p in positions_of(run.user_id)):
            return False
    return True


def settle(stack: LocalStack, runs: list[UserRun], result: SoakResult, seconds: float) -> None:
    """Everything brought to its end without faults: sagas finished, positions closed, the reconciler
    run (now, then as its schedule runs once the rest is due), until settled or ``seconds``."""
    deadline = time.monotonic() + seconds
    until(lambda: _running_executions(stack) == 0, max(deadline - time.monotonic(), 0), poll=1)
    for run in runs:  # what the user does with positions still open: close them all
        journey = Journey(stack, run, deposit=Decimal(0), withdraw=Decimal(0))
        if any(p["status"] not in POSITION_FINAL for p in journey.positions()):
            journey.client.call("POST", "/positions/close-all")
    passes = 0
    while not _settled(runs) and time.monotonic() < deadline and passes < 6:
        passes += 1
        now = datetime.now(UTC)
        result.reconciler.update(_reconcile(stack, now if passes == 1 else now + STUCK_DUE))
        until(lambda: _running_executions(stack) == 0, max(min(120, deadline - time.monotonic()), 0), poll=1)
        time.sleep(2)
    result.timings["reconciler_passes"] = passes


def run(config: SoakConfig) -> SoakResult:
    from local.runtime.ports import ephemeral_ports

    os.environ.update(config.environment())
    result = SoakResult(config)
    log_dir = config.log_dir or Path(tempfile.mkdtemp(prefix="soak-"))
    started = time.perf_counter()
    with LocalStack(ephemeral_ports(), schedules=False, log_dir=log_dir) as stack:
        result.timings["stack_start"] = round(time.perf_counter() - started, 1)
        market = MarketMotion(stack, config.seed).set_up()
        runs = [_user(stack, config) for _ in range(config.users)]
        result.runs = runs
        result.timings["users_ready"] = round(time.perf_counter() - started, 1)
        chaos = Chaos(stack, config.seed).start()
        market.start()
        try:
            _drive(stack, runs, config, result)
        finally:
            chaos.stop()
            market.stop()
        result.market = {
            "price": str(market.price),
            "price_moves": market.ticks,
            "interest_hours": market.hours,
        }
        result.timings["soak"] = round(time.perf_counter() - started, 1)
        result.injected = chaos.injected()
        result.paused_seconds = round(chaos.paused_seconds, 1)
        settle(stack, runs, result, config.settle_seconds)
        result.timings["settled"] = round(time.perf_counter() - started, 1)
        funded = Funded(config.arbitrum_usdc, config.solana_usdc)
        result.audits = [audit_user(stack, r, funded, config.usdc_daily_cap) for r in runs]
        result.requests = _requests(stack)
    result.timings["total"] = round(time.perf_counter() - started, 1)
    return result


def _drive(stack: LocalStack, runs: list[UserRun], config: SoakConfig, result: SoakResult) -> None:
    deadline = time.monotonic() + config.seconds

    def cycles(run_: UserRun) -> None:
        journey = Journey(stack, run_, deposit=config.deposit_usdc, withdraw=config.withdraw_usdc)
        try:
            while time.monotonic() < deadline:
                journey.cycle(deadline)
        except Exception as exc:  # the soak goes on; the audit judges what it left
            run_.errors.append(f"{type(exc).__name__}: {exc}")

    threads = [
        threading.Thread(target=cycles, args=(r,), name=f"soak-{i}", daemon=True) for i, r in enumerate(runs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:  # a step under way finishes: at most its own deadlines past the soak's
        thread.join(timeout=max(deadline - time.monotonic(), 0) + 900)
        if thread.is_alive():
            result.problems.append(f"{thread.name} still running 15 minutes after the deadline")


def _requests(stack: LocalStack) -> dict[str, int]:
    services = {
        "api": stack.served["api"].server.app,
        "privy": stack.privy,
        "hyperliquid": stack.hyperliquid,
        "asgard": stack.asgard,
        "solana": stack.solana,
    }
    counts = {}
    for name, service in services.items():
        controls = getattr(service, "controls", None)
        if controls is not None:
            counts[name] = int(controls.stats()["requests"])
    return counts
