"""The scheduled per-user workers in CDK, the scan and the position monitor: each worker consumes
its queue with partial batch failures, its dispatcher runs every minute, the dashboard shows every
outcome (and the monitor's exits by reason), and unexpected errors alarm (issue 12, items 2, 4 and 9)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from basis.monitor import outcomes as monitor_outcomes
from basis.scan import outcomes as scan_outcomes
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra
JOBS = {"scan": (10, scan_outcomes.ALL), "monitor": (5, (*monitor_outcomes.ALL, *monitor_outcomes.EXITS))}


def _of_type(synth: Synth, stack: str, kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in synth.templates[stack]["Resources"].values() if r["Type"] == kind]


def _function(synth: Synth, name: str) -> tuple[str, dict[str, Any]]:
    [(logical, function)] = [
        (logical, r["Properties"])
        for logical, r in synth.templates["service"]["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["FunctionName"] == f"basis-dev-{name}"
    ]
    return logical, function


def _actions(synth: Synth, function: dict[str, Any]) -> set[str]:
    role = function["Role"]["Fn::GetAtt"][0]
    return {
        action
        for policy in _of_type(synth, "service", "AWS::IAM::Policy")
        if {"Ref": role} in policy["Roles"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }


def _alarm_dimensions(alarm: dict[str, Any]) -> list[dict[str, str]]:
    return [d for m in alarm["Metrics"] if "MetricStat" in m for d in m["MetricStat"]["Metric"]["Dimensions"]]


@pytest.mark.parametrize("job", JOBS)
def test_the_worker_consumes_its_queue_reporting_failed_items(synth: Synth, job: str) -> None:
    worker, _ = _function(synth, f"{job}_worker")
    [mapping] = [
        m
        for m in _of_type(synth, "service", "AWS::Lambda::EventSourceMapping")
        if m["FunctionName"] == {"Ref": worker}
    ]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == JOBS[job][0]


@pytest.mark.parametrize("job", JOBS)
def test_the_dispatcher_runs_every_minute(synth: Synth, job: str) -> None:
    dispatcher, _ = _function(synth, f"{job}_dispatcher")
    [rule] = [
        r
        for r in _of_type(synth, "service", "AWS::Events::Rule")
        if r.get("Name") == f"basis-dev-schedule-{job}"
    ]
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [dispatcher, "Arn"]}


@pytest.mark.parametrize("job", JOBS)
def test_errors_alarm_and_the_dashboard_shows_every_outcome(synth: Synth, job: str) -> None:
    alarms = {a["AlarmName"]: a for a in _of_type(synth, "observability", "AWS::CloudWatch::Alarm")}
    assert _alarm_dimensions(alarms[f"basis-dev-{job}-errors"]) == [
        {"Name": "outcome", "Value": "failed:error"}
    ]
    [dashboard] = _of_type(synth, "observability", "AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["DashboardBody"])
    assert f"{job.capitalize()} evaluations by outcome" in body
    assert all(f'\\"outcome\\",\\"{outcome}\\"' in body for outcome in JOBS[job][1])


def test_an_exit_the_monitor_could_not_start_alarms(synth: Synth) -> None:
    alarms = {a["AlarmName"]: a for a in _of_type(synth, "observability", "AWS::CloudWatch::Alarm")}
    alarm = alarms["basis-dev-monitor-exits-not-started"]
    assert _alarm_dimensions(alarm) == [{"Name": "outcome", "Value": "failed:close"}]


def test_the_monitor_worker_may_start_close_sagas_only_and_its_dispatcher_queue_only(synth: Synth) -> None:
    _, worker = _function(synth, "monitor_worker")
    assert "BASIS_HEDGE_CLOSE_SAGA_ARN" in worker["Environment"]["Variables"]
    assert "BASIS_HEDGE_OPEN_SAGA_ARN" not in worker["Environment"]["Variables"]
    assert "states:StartExecution" in _actions(synth, worker)
    _, dispatcher = _function(synth, "monitor_dispatcher")
    variables = dispatcher["Environment"]["Variables"]
    assert "BASIS_MONITOR_QUEUE_URL" in variables and "BASIS_SCAN_QUEUE_URL" not in variables
    assert "states:StartExecution" not in _actions(synth, dispatcher)
