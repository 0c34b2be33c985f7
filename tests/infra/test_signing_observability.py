"""The dashboard shows the signing layer's series and CloudWatch alarms on policy denials and on the
signing circuit breaker opening (issue 5), over the metrics the code emits."""

from __future__ import annotations

import json

import pytest

from basis.models import SigningRecord
from basis.signing.breaker import TRIP_METRIC
from basis.signing.telemetry import RESULTS, SigningEvent, record
from infra.metric_graphs import SIGNING
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
    assert {series.label for series in SIGNING.series} == set(RESULTS)
    dashboards = [
        r
        for r in synth.templates["observability"]["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Dashboard"
    ]
    body = json.dumps(dashboards[0]["Properties"]["DashboardBody"])
    assert "Signing requests by result" in body and "SigningRequests" in body
    assert all(f'\\"result\\",\\"{result}\\"' in body for result in RESULTS)


def test_the_signing_metrics_emitted_on_lambda_are_the_ones_the_alarms_watch(
    synth: Synth, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """CloudWatch matches a metric on its exact dimension set: one extra dimension (e.g. the
    ``service`` Powertools adds when ``POWERTOOLS_SERVICE_NAME`` is set) and no alarm ever fires."""
    for resource in synth.templates["service"]["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            for key, value in resource["Properties"]["Environment"]["Variables"].items():
                if key.startswith("POWERTOOLS_"):
                    monkeypatch.setenv(key, value)
    monkeypatch.setattr(SigningRecord, "save", lambda self, *args, **kwargs: None)
    record(
        SigningEvent("did:privy:u", "w", None, "ethereum", "eth_sendTransaction", None, "policy_denied", 1.0)
    )
    (emitted,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (directive,) = emitted["_aws"]["CloudWatchMetrics"]

    denials = _alarms(synth)["basis-dev-signing-policy-denials"]
    watched = [m["MetricStat"]["Metric"] for m in denials["Metrics"] if "MetricStat" in m]
    ethereum = next(m for m in watched if {"Name": "chain", "Value": "ethereum"} in m["Dimensions"])
    assert directive["Namespace"] == ethereum["Namespace"]
    assert directive["Metrics"][0]["Name"] == ethereum["MetricName"]
    assert sorted(directive["Dimensions"][0]) == sorted(d["Name"] for d in ethereum["Dimensions"])
    assert {d["Name"]: emitted[d["Name"]] for d in ethereum["Dimensions"]} == {
        d["Name"]: d["Value"] for d in ethereum["Dimensions"]
    }
