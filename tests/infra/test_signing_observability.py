"""The dashboard shows the signing layer's series and CloudWatch alarms on policy denials and on the
signing circuit breaker opening (issue 5), over the metrics the code emits."""

from __future__ import annotations

import json

from basis.signing.breaker import TRIP_METRIC
from basis.signing.telemetry import RESULTS
from infra.stacks.observability import SIGNING_RESULTS
from tests.infra.conftest import Synth


def _alarms(synth: Synth) -> dict[str, dict]:
    resources = synth.templates["observability"]["Resources"].values()
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in resources
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def test_alarms_on_policy_denials_and_breaker_openings(synth: Synth) -> None:
    alarms = _alarms(synth)
    denials = alarms["basis-dev-signing-policy-denials"]
    used = {m["MetricStat"]["Metric"]["MetricName"] for m in denials["Metrics"] if "MetricStat" in m}
    assert used == {"SigningRequests"}
    trips = alarms["basis-dev-signing-breaker-opened"]
    names = {trips.get("MetricName")} | {
        m["MetricStat"]["Metric"]["MetricName"] for m in trips.get("Metrics", []) if "MetricStat" in m
    }
    assert TRIP_METRIC in names


def test_dashboard_graphs_every_signing_result(synth: Synth) -> None:
    assert set(SIGNING_RESULTS) == set(RESULTS)
    dashboards = [
        r
        for r in synth.templates["observability"]["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Dashboard"
    ]
    body = json.dumps(dashboards[0]["Properties"]["DashboardBody"])
    assert "Signing requests by result" in body and "SigningRequests" in body
