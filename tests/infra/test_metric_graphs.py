"""The CloudWatch dashboard draws every graph of ``infra.metric_graphs`` (the catalog the local
dashboard draws too), each series over exactly its metric and dimension sets, and deploys every
alarm the catalog declares."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.metric_graphs import ALARMS, GRAPHS, Series
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra


def _resources(synth: Synth, kind: str) -> list[dict[str, Any]]:
    return [
        r["Properties"] for r in synth.templates["observability"]["Resources"].values() if r["Type"] == kind
    ]


def _widgets(synth: Synth) -> dict[str, dict[str, Any]]:
    """The dashboard's widgets by title (the body's references replaced by a placeholder)."""
    [dashboard] = _resources(synth, "AWS::CloudWatch::Dashboard")
    parts = dashboard["DashboardBody"]["Fn::Join"][1]
    body = json.loads("".join(p if isinstance(p, str) else "ref" for p in parts))
    return {w["properties"].get("title"): w["properties"] for w in body["widgets"]}


def _drawn(metrics: list[list[Any]]) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    """(metric, dimensions) of each metric line of a widget: namespace, name, then name/value pairs."""
    drawn = set()
    for line in metrics:
        fields = [f for f in line if isinstance(f, str)]
        if len(fields) >= 2 and fields[0] != "...":
            pairs = fields[2:]
            drawn.add((fields[1], tuple(sorted(zip(pairs[::2], pairs[1::2], strict=True)))))
    return drawn


def _wanted(series: Series) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    return {(series.metric, tuple(sorted(c.items()))) for c in series.combinations()}


def test_the_cloudwatch_dashboard_draws_every_series_of_the_catalog(synth: Synth) -> None:
    widgets = _widgets(synth)
    for graph in GRAPHS:
        widget = widgets[graph.title]
        assert bool(widget.get("stacked")) == graph.stacked, graph.title
        drawn = _drawn(widget["metrics"])
        for series in graph.series:
            assert _wanted(series) <= drawn, (graph.title, series.label)


def test_every_alarm_of_the_catalog_is_deployed_over_its_series(synth: Synth) -> None:
    alarms = {a["AlarmName"]: a for a in _resources(synth, "AWS::CloudWatch::Alarm")}
    for declared in ALARMS:
        alarm = alarms[f"basis-dev-{declared.name}"]
        stats = [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m] or [alarm]
        watched = {
            (m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m.get("Dimensions", []))))
            for m in stats
        }
        assert watched == _wanted(declared.series), declared.name
