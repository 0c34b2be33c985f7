"""The hedge sagas' ASL: every Task calls a step the handler knows, retries exactly the transient
errors, and every failure path ends in the unwind or in ``stuck`` (never a silent stop)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from basis.positions.hedge_saga import STEPS
from basis.positions.saga import StepInput
from infra.catalog import STATE_MACHINES
from tests.unit.asl import TRANSIENT

HEDGE_MACHINES = ("hedge-open-saga", "hedge-close-saga")


def states(name: str) -> dict[str, Any]:
    (machine,) = [m for m in STATE_MACHINES if m.name == name]
    loaded: dict[str, Any] = json.loads(machine.path.read_text())["States"]
    return loaded


@pytest.mark.parametrize("name", HEDGE_MACHINES)
def test_every_task_calls_a_known_step_with_the_position(name: str) -> None:
    for state in states(name).values():
        if state["Type"] != "Task":
            continue
        payload = state["Parameters"]["Payload"]
        assert payload["step"] in STEPS
        example = {"step": payload["step"], "user_id": "did:privy:a", "position_id": "pos-1"}
        assert StepInput.model_validate(example).step == payload["step"]
        assert (payload["user_id.$"], payload["position_id.$"]) == ("$.user_id", "$.position_id")


@pytest.mark.parametrize("name", HEDGE_MACHINES)
def test_leg_steps_retry_only_transient_errors_and_catch_everything_else(name: str) -> None:
    for state in states(name).values():
        if state["Type"] != "Task" or state["Parameters"]["Payload"]["step"] == "stuck":
            continue
        (retry,) = state["Retry"]
        assert retry["ErrorEquals"] == TRANSIENT
        (catch,) = state["Catch"]
        assert catch["ErrorEquals"] == ["States.ALL"] and catch["ResultPath"] == "$.error"


def test_the_open_saga_unwinds_any_failure_and_a_failed_unwind_is_stuck() -> None:
    machine = states("hedge-open-saga")
    for name in ("OpenShort", "OpenLong", "FinishOpen"):
        assert machine[name]["Catch"][0]["Next"] == "Unwind"
    assert machine["Unwind"]["Catch"][0]["Next"] == "MarkStuck"
    assert machine["Unwind"]["Next"] == "OpenFailed" and machine["OpenFailed"]["Type"] == "Fail"
    # The unwind waits out an Asgard transaction that may still land (the 90 s default window).
    (retry,) = machine["Unwind"]["Retry"]
    waited = sum(retry["IntervalSeconds"] * retry["BackoffRate"] ** n for n in range(retry["MaxAttempts"]))
    assert waited > 90


@pytest.mark.parametrize("name", HEDGE_MACHINES)
def test_stuck_is_recorded_then_the_execution_fails(name: str) -> None:
    machine = states(name)
    assert machine["MarkStuck"]["Parameters"]["Payload"]["step"] == "stuck"
    assert machine["MarkStuck"]["Parameters"]["Payload"]["error.$"] == "$.error"
    assert machine["MarkStuck"]["Next"] == "Stuck"
    assert (machine["Stuck"]["Type"], machine["Stuck"]["Error"]) == ("Fail", "HedgeStuck")


def test_the_close_saga_closes_the_long_first_and_every_failure_is_stuck() -> None:
    machine = states("hedge-close-saga")
    order, name = [], "CloseLong"
    while machine[name]["Type"] == "Task":
        order.append(machine[name]["Parameters"]["Payload"]["step"])
        assert machine[name]["Catch"][0]["Next"] == "MarkStuck"
        name = machine[name]["Next"]
    assert order == ["close_long", "close_short", "finish_close"]
