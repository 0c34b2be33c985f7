"""The reconciler on the local stack: deposits left at ``bridge_confirmed`` by their saga are
re-polled on the Hyperliquid simulator and marked ``hl_credited`` once the credit is there; one
stuck past 30 minutes, a transaction prepared and never answered and the failed saga execution are
counted in the reconciler's metrics and listed on the admin route ``GET /api/v1/health/funding``."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from pynamodb.expressions.update import Action

from basis.models import Transfer
from basis.models.base import utcnow
from basis.transfers import deposit_saga, store
from infra.catalog import SCHEDULES
from local.aws.scheduler import scheduled_event
from tests.api_client import ApiClient
from tests.integration.transfers.operations import settled
from tests.integration.transfers.test_deposits import deposit, hyperliquid_credits


def run_reconciler(api_client: ApiClient) -> dict[str, int]:
    schedule = next(s for s in SCHEDULES if s.target == "reconciler")
    result = api_client.stack.lambdas.invoke("reconciler", scheduled_event(schedule, "arn:rule/reconcile"))
    assert result.error is None, result.error
    counts: dict[str, int] = result.payload
    return counts


def left_at_bridge_confirmed(
    api_client: ApiClient, depositor: tuple[str, str], monkeypatch: pytest.MonkeyPatch, amount: str
) -> tuple[str, list[dict[str, Any]]]:
    """A deposit whose saga stopped after the bridge (its credit poll broke) and the Hyperliquid
    credit taken back out of the simulator's ledger (returned, to make it arrive later)."""
    user_id, address = depositor

    def broken(event: deposit_saga.StepInput) -> dict[str, Any]:
        raise RuntimeError("Hyperliquid did not answer")

    monkeypatch.setitem(deposit_saga.STEPS, "check_credit", broken)
    transfer_id = deposit(api_client, user_id, amount).json()["id"]
    assert settled(api_client, user_id, transfer_id)["stage"] == "bridge_confirmed"
    deadline = time.monotonic() + 10
    while not hyperliquid_credits(api_client, address):  # the bridge watcher credits within a second
        assert time.monotonic() < deadline, "the simulator never credited the deposit"
        time.sleep(0.1)
    ledger = api_client.stack.hyperliquid.state.ledger_updates[address.lower()]
    credits = [e for e in ledger if e["delta"]["type"] == "deposit"]
    for entry in credits:
        ledger.remove(entry)
    return transfer_id, credits


def age(user_id: str, transfer_id: str, minutes: int, *, flagged: bool) -> None:
    """The row as if it last moved ``minutes`` ago (``flagged``: still marked for the reconciler)."""
    actions: list[Action] = [Transfer.updated_at.set(utcnow() - timedelta(minutes=minutes))]
    if not flagged:
        actions.append(Transfer.needs_reconciliation.remove())
    Transfer.get(user_id, transfer_id).update(actions=actions)


def test_a_deposit_credited_after_six_minutes_is_marked_credited_by_the_reconciler(
    api_client: ApiClient, depositor: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, address = depositor
    transfer_id, credits = left_at_bridge_confirmed(api_client, depositor, monkeypatch, "11")
    age(user_id, transfer_id, 6, flagged=False)  # found through the by_stage index, not the flag

    run_reconciler(api_client)  # no credit yet: it stays where it is
    transfer = store.get(user_id, transfer_id)
    assert transfer is not None and transfer.stage == "bridge_confirmed"

    api_client.stack.hyperliquid.state.ledger_updates[address.lower()].extend(credits)  # it arrives
    assert run_reconciler(api_client)["deposits_credited"] >= 1
    operation = api_client.get(f"/funding/operations/{transfer_id}", user=user_id).json()
    assert (operation["stage"], operation["needs_reconciliation"], operation["error"]) == (
        "hl_credited",
        False,
        None,
    )


def test_a_deposit_stuck_past_thirty_minutes_and_an_unknown_outcome_are_counted_and_listed(
    api_client: ApiClient,
    depositor: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user_id, _ = depositor
    stuck_id, _ = left_at_bridge_confirmed(api_client, depositor, monkeypatch, "13")
    age(user_id, stuck_id, 31, flagged=True)
    unanswered, _ = store.create(user_id, "dep-unanswered-" + stuck_id[-8:], "deposit", "7")
    unanswered = store.record_prepared(store.advance(unanswered, "gas_funded"), json.dumps({"nonce": 99}))
    age(user_id, unanswered.transfer_id, 6, flagged=False)
    capsys.readouterr()

    counts = run_reconciler(api_client)

    assert counts["stuck_past_alarm"] >= 1 and counts["unknown_outcomes"] >= 1, counts
    assert counts["failed_executions"] >= 1, counts  # the stuck deposit's saga ended FAILED
    emitted = {
        name: json.loads(line)[name]
        for line in capsys.readouterr().out.splitlines()
        for name in ("StuckDeposits", "UnknownSendOutcomes", "FailedDepositSagas")
        if f'"{name}"' in line
    }
    assert emitted == {
        "StuckDeposits": [counts["stuck_past_alarm"]],
        "UnknownSendOutcomes": [counts["unknown_outcomes"]],
        "FailedDepositSagas": [counts["failed_executions"]],
    }
    transfer = store.get(user_id, stuck_id)
    assert transfer is not None and (transfer.stage, transfer.needs_reconciliation) == (
        "bridge_confirmed",
        True,
    )

    report = api_client.as_admin("GET", "/health/funding").json()
    assert stuck_id in [d["transfer_id"] for d in report["stuck_deposits"]]
    assert unanswered.transfer_id in [d["transfer_id"] for d in report["unknown_outcomes"]]
    assert stuck_id in [e["name"] for e in report["failed_executions"]]
    assert report["stuck_past_alarm"] >= 1
    assert api_client.get("/health/funding", user=user_id).status_code == 403
