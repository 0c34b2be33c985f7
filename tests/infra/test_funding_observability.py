"""The deposit saga and the reconciler in CDK: the state machine logged and traced, the reconciler
on its schedule allowed to read the sagas' executions and re-drive a deposit's, alarms on failed
sagas, stuck deposits and withdrawals, unknown send outcomes and unresolved cap reservations, and
the dashboard's deposits by stage (issue 11, items 2, 3, 7 and 9)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from basis.transfers.reconciler import IN_FLIGHT
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra


def _of_type(synth: Synth, stack: str, kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in synth.templates[stack]["Resources"].values() if r["Type"] == kind]


def _metric_names(alarm: dict[str, Any]) -> set[str]:
    return {str(alarm.get("MetricName"))} | {
        m["MetricStat"]["Metric"]["MetricName"] for m in alarm.get("Metrics", []) if "MetricStat" in m
    }


def test_the_deposit_saga_logs_errors_and_is_traced(synth: Synth) -> None:
    [machine] = [
        m
        for m in _of_type(synth, "service", "AWS::StepFunctions::StateMachine")
        if m["StateMachineName"] == "basis-dev-deposit-saga"
    ]
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] in {"ERROR", "ALL"}
    assert machine["LoggingConfiguration"]["Destinations"]


def test_alarms_on_failed_sagas_stuck_transfers_unknown_outcomes_and_unresolved_caps(synth: Synth) -> None:
    alarms = {a["AlarmName"]: a for a in _of_type(synth, "observability", "AWS::CloudWatch::Alarm")}
    failed = alarms["basis-dev-deposit-saga-failed"]
    assert {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"} <= _metric_names(failed)
    assert "StuckDeposits" in _metric_names(alarms["basis-dev-stuck-deposits"])
    assert "UnknownSendOutcomes" in _metric_names(alarms["basis-dev-unknown-send-outcomes"])
    assert "StuckWithdrawals" in _metric_names(alarms["basis-dev-stuck-withdrawals"])
    assert "UnresolvedReservations" in _metric_names(alarms["basis-dev-unresolved-reservations"])


def test_the_dashboard_shows_deposits_by_stage(synth: Synth) -> None:
    [dashboard] = _of_type(synth, "observability", "AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["DashboardBody"])
    assert "Deposits by stage" in body and "DepositsInStage" in body
    assert all(f'\\"stage\\",\\"{stage}\\"' in body for stage in IN_FLIGHT), body[:300]


def test_the_reconciler_runs_on_a_schedule_reads_the_sagas_and_may_redrive_them(
    synth: Synth,
) -> None:
    rules = _of_type(synth, "service", "AWS::Events::Rule")
    assert any(r.get("ScheduleExpression") == "rate(5 minutes)" for r in rules)
    resources = synth.templates["service"]["Resources"]
    [function] = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["FunctionName"] == "basis-dev-reconciler"
    ]
    assert "BASIS_DEPOSIT_SAGA_ARN" in function["Environment"]["Variables"]
    assert "BASIS_WITHDRAWAL_SAGA_ARN" in function["Environment"]["Variables"]
    role = function["Role"]["Fn::GetAtt"][0]
    granted = {
        (action, json.dumps(statement["Resource"]))
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    by_action: dict[str, list[str]] = {}
    for action, resource in granted:
        by_action.setdefault(action, []).append(resource)
    assert {"states:ListExecutions", "states:DescribeExecution"} <= set(by_action)
    started = " ".join(by_action["states:StartExecution"])  # re-drives: a deposit's send, a delivery
    assert "deposit-saga" in started and "withdrawal-saga" in started and "hedge" not in started
    assert any("dynamodb:PutItem" in a for a, _ in granted)  # settles the spend windows
