"""The scan in CDK: the worker consumes the scan queue with partial batch failures, the dashboard shows
evaluations by kind of outcome, and unexpected evaluation errors alarm (issue 12, items 2 and 9)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from basis.scan import outcomes
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra


def _of_type(synth: Synth, stack: str, kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in synth.templates[stack]["Resources"].values() if r["Type"] == kind]


def test_the_scan_worker_consumes_the_scan_queue_reporting_failed_items(synth: Synth) -> None:
    resources = synth.templates["service"]["Resources"]
    [worker] = [
        logical
        for logical, r in resources.items()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["FunctionName"] == "basis-dev-scan_worker"
    ]
    [mapping] = [
        m
        for m in _of_type(synth, "service", "AWS::Lambda::EventSourceMapping")
        if m["FunctionName"] == {"Ref": worker}
    ]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and mapping["BatchSize"] == 10


def test_scan_errors_alarm_and_the_dashboard_shows_every_outcome(synth: Synth) -> None:
    alarms = {a["AlarmName"]: a for a in _of_type(synth, "observability", "AWS::CloudWatch::Alarm")}
    errors = alarms["basis-dev-scan-errors"]
    dimensions = [
        d for m in errors["Metrics"] if "MetricStat" in m for d in m["MetricStat"]["Metric"]["Dimensions"]
    ]
    assert dimensions == [{"Name": "outcome", "Value": "failed:error"}]
    [dashboard] = _of_type(synth, "observability", "AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["DashboardBody"])
    assert "Scan evaluations by outcome" in body
    assert all(f'\\"outcome\\",\\"{outcome}\\"' in body for outcome in outcomes.ALL)
