"""One soak user's journey, through the API as a client would drive it, over and over until the
soak's deadline: deposit USDC into Hyperliquid, let the strategy engine's scan open live hedges
(a Hyperliquid short and an Asgard long), close them all, withdraw part of it back (every other
round delivered on to the user's registered withdrawal address).

A request the API answers 5xx (or that gets no answer) is retried with the same Idempotency-Key, as
a client should; every wait has a deadline. What each step ended as is kept in ``UserRun``."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from basis.positions.store import FINAL as POSITION_FINAL
from basis.scheduling import scan_dispatch
from basis.scheduling.slots import slot_of
from local.runtime.stack import LocalStack
from tests.api_client import ApiClient
from tests.helpers import scan_outcomes

TRANSFER_FINAL = frozenset({"hl_credited", "completed", "failed", "rejected", "undelivered"})
POSITION_SETTLED = frozenset({"open", *POSITION_FINAL})
REQUEST_SECONDS = 60  # one API call, its retries included
OPERATION_SECONDS = 120  # a saga to its end (or to the reconciler)
POLL = 0.5
MIN_CYCLE = 15  # seconds: a round with nothing to do does not spin


@dataclass
class UserRun:
    user_id: str
    evm_address: str
    solana_address: str
    destination: str = ""  # the user's registered withdrawal address (an external one)
    cycles: int = 0
    api_calls: int = 0
    api_retries: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # step -> what it ended as
    errors: list[str] = field(default_factory=list)

    def note(self, step: str, outcome: str) -> None:
        self.outcomes[f"{step}:{outcome}"] += 1


class SoakClient:
    """The API for one user, retried as a client retries."""

    def __init__(self, stack: LocalStack, run: UserRun) -> None:
        self.api = ApiClient(stack)
        self.run = run

    def call(
        self, method: str, path: str, *, key: str | None = None, **kwargs: Any
    ) -> requests.Response | None:
        """The answer, retried while it is 5xx or missing; None when it never came in time."""
        headers = {"Idempotency-Key": key} if key else {}
        deadline = time.monotonic() + REQUEST_SECONDS
        wait = 0.5
        while True:
            self.run.api_calls += 1
            try:
                answer = self.api.request(method, path, user=self.run.user_id, headers=headers, **kwargs)
                if answer.status_code < 500:
                    return answer
            except requests.RequestException:
                pass
            if time.monotonic() + wait > deadline:
                return None
            self.run.api_retries += 1
            time.sleep(wait)
            wait = min(wait * 2, 5)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        return answer.json() if answer is not None and answer.ok else None


def until(check: Any, seconds: float, poll: float = POLL) -> Any:
    """``check()`` once truthy, or its last (falsy) value after ``seconds``: the soak records what
    did not finish instead of failing at the first wait (``tests.helpers.wait_for`` fails)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(poll)


class Journey:
    def __init__(self, stack: LocalStack, run: UserRun, *, deposit: Decimal, withdraw: Decimal) -> None:
        self.stack = stack
        self.run = run
        self.client = SoakClient(stack, run)
        self.deposit_usdc = deposit
        self.withdraw_usdc = withdraw

    def cycle(self, deadline: float) -> None:
        """One round; each step is skipped once the deadline passed (nothing is left half-started).
        Once the 24 h cap refused a deposit, the user only trades; a round lasts ``MIN_CYCLE`` at least."""
        started = time.monotonic()
        self.run.cycles += 1
        capped = self.run.outcomes["deposits:rejected"] > 0
        steps = (self.trade,) if capped else (self.deposit, self.trade, self.withdraw)
        for step in steps:
            if time.monotonic() > deadline:
                return
            step()
        time.sleep(max(0.0, min(MIN_CYCLE - (time.monotonic() - started), deadline - time.monotonic())))

    # -- funding ---------------------------------------------------------------------------------
    def operation(self, kind: str, amount: Decimal, destination: str | None = None) -> None:
        key = f"soak-{kind}-{uuid.uuid4().hex[:12]}"
        body = {"amount_usdc": str(amount), **({"destination": destination} if destination else {})}
        answer = self.client.call("POST", f"/funding/{kind}", key=key, json=body)
        if answer is None:
            self.run.note(kind, "no_answer")
            return
        if not answer.ok:
            code = answer.json().get("error", {}).get("code", answer.status_code)
            self.run.note(kind, f"refused:{code}")
            return
        operation_id = answer.json()["id"]

        def final() -> dict[str, Any] | None:
            current = self.client.json("GET", f"/funding/operations/{operation_id}")
            if current and (current["stage"] in TRANSFER_FINAL or current["needs_reconciliation"]):
                return dict(current)
            return None

        ended = until(final, OPERATION_SECONDS)
        self.run.note(kind, ended["stage"] if ended else "still_running")

    def deposit(self) -> None:
        self.operation("deposits", self.deposit_usdc)

    def withdraw(self) -> None:
        """To the server wallet, and every other round on to the registered address."""
        external = self.run.destination if self.run.cycles % 2 == 0 else None
        self.operation("withdrawals", self.withdraw_usdc, external)

    # -- trading ---------------------------------------------------------------------------------
    def positions(self) -> list[dict[str, Any]]:
        listed = self.client.json("GET", "/positions")
        return list(listed["positions"]) if listed else []

    def scan(self) -> str:
        """The scan worker evaluates the user for a slot of now, as the dispatcher queues it."""
        before = len(scan_outcomes(self.stack, self.run.user_id))
        fired = datetime.now(UTC).replace(microsecond=0)
        market = self.market(fired)
        if market is None:
            return "market_unavailable"
        body = {"user_id": self.run.user_id, "slot": slot_of(fired), "market": market}
        self.stack.client("sqs").send_message(
            QueueUrl=self.stack.resources.queues["scan"]["url"], MessageBody=json.dumps(body)
        )
        time.sleep(1.1)  # the next slot is another second
        seen = until(lambda: scan_outcomes(self.stack, self.run.user_id)[before:], OPERATION_SECONDS)
        return str(seen[0]) if seen else "no_outcome"

    @staticmethod
    def market(fired: datetime) -> dict[str, Any] | None:
        """The market as the scan dispatcher reads it for a slot (retried: Hyperliquid may fail)."""
        for _ in range(5):
            try:
                return dict(scan_dispatch.market_now(fired).to_message())
            except Exception:  # the dispatcher's read failing is one of the faults: read again
                time.sleep(1)
        return None

    def trade(self) -> None:
        """Scan three times (up to three live hedges), wait for them to open, close them all, resume."""
        for _ in range(3):
            self.run.note("scan", self.scan())
        until(lambda: all(p["status"] in POSITION_SETTLED for p in self.positions()), OPERATION_SECONDS)
        closing = self.client.json("POST", "/positions/close-all")
        if closing is None:
            self.run.note("close_all", "no_answer")
        done = until(lambda: all(p["status"] in POSITION_FINAL for p in self.positions()), OPERATION_SECONDS)
        self.run.note("close_all", "all_final" if done else "still_running")
        resumed = self.client.call("POST", "/strategy/resume")
        self.run.note("resume", str(resumed.status_code) if resumed is not None else "no_answer")
