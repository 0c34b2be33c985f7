"""The hedge sagas in CDK (issue 12, items 3 and 9): both state machines logged and traced, their
one task function allowed to touch only what it needs, the API allowed to start only the close
saga, and alarms on stuck unwinds and on failed executions of either saga."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra
MACHINES = ("basis-dev-hedge-open-saga", "basis-dev-hedge-close-saga")


def _of_type(synth: Synth, stack: str, kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in synth.templates[stack]["Resources"].values() if r["Type"] == kind]


def _actions_of(synth: Synth, function_name: str) -> dict[str, list[Any]]:
    """Every action the function's role may take, with the resources of each."""
    resources = synth.templates["service"]["Resources"]
    [function] = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["FunctionName"] == function_name
    ]
    role = function["Role"]["Fn::GetAtt"][0]
    granted: dict[str, list[Any]] = {}
    for r in resources.values():
        if r["Type"] != "AWS::IAM::Policy" or {"Ref": role} not in r["Properties"]["Roles"]:
            continue
        for statement in r["Properties"]["PolicyDocument"]["Statement"]:
            actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            targets = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            for action in actions:
                granted.setdefault(action, []).extend(targets)
    return granted


def test_both_hedge_sagas_log_and_trace(synth: Synth) -> None:
    machines = {
        m["StateMachineName"]: m for m in _of_type(synth, "service", "AWS::StepFunctions::StateMachine")
    }
    for name in MACHINES:
        assert machines[name]["TracingConfiguration"] == {"Enabled": True}
        assert machines[name]["LoggingConfiguration"]["Level"] == "ALL"
        assert machines[name]["LoggingConfiguration"]["IncludeExecutionData"] is False


def test_the_saga_function_may_start_only_the_close_saga_and_touch_only_its_tables(synth: Synth) -> None:
    granted = _actions_of(synth, "basis-dev-hedge_saga")
    assert "hedge-close-saga" in str(granted["states:StartExecution"])
    assert "hedge-open-saga" not in str(granted["states:StartExecution"])
    tables = str(granted["dynamodb:PutItem"])
    assert "basis-dev-positions" in tables
    # The strategy (the close noted, N6) and the risk row (the monitor's watch mark) are written too.
    assert "basis-dev-strategy_configs" in tables and "basis-dev-risk_tracking" in tables
    assert all(other not in tables for other in ("transfers", "users"))
    assert "basis-dev-users" in str(granted["dynamodb:GetItem"])  # the wallets: read only
    api = _actions_of(synth, "basis-dev-api")
    assert "hedge-open-saga" not in str(api["states:StartExecution"])  # the API only closes


def test_alarms_on_stuck_unwinds_and_failed_hedge_sagas(synth: Synth) -> None:
    alarms = {a["AlarmName"]: a for a in _of_type(synth, "observability", "AWS::CloudWatch::Alarm")}
    stuck = alarms["basis-dev-hedge-stuck-unwind"]
    names = {m["MetricStat"]["Metric"]["MetricName"] for m in stuck["Metrics"] if "MetricStat" in m}
    assert names == {"StuckUnwinds"}
    assert "basis-dev-hedge-open-saga-failed" in alarms and "basis-dev-hedge-close-saga-failed" in alarms
