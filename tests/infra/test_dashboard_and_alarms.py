"""The CloudWatch dashboard and alarms, read back from the synthesized observability template
(issue 13, item 7): the dashboard's full widget list with the series each one shows, and every
alarm with the metric it watches, on which resource, its threshold and its action to the alarm
topic. The expected names are written out here, so dropping (or adding) a widget, a series or an
alarm fails until this file says so too."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import Synth, imported_resource

pytestmark = pytest.mark.infra

FUNCTIONS = [
    "api",
    "authorizer",
    "scan_dispatcher",
    "scan_worker",
    "monitor_dispatcher",
    "monitor_worker",
    "deposit_saga",
    "withdrawal_saga",
    "hedge_saga",
    "provision_wallets",
    "gas_dispatcher",
    "gas_funder",
    "reconciler",
]
QUEUES = ["scan", "monitor", "provisioning", "gas"]
MACHINES = ["deposit-saga", "withdrawal-saga", "hedge-open-saga", "hedge-close-saga"]
SIGNING = ["success", "policy_denied", "error", "circuit_open", "cap_exceeded", "kill_switch"]

# Widget title -> the series it shows (labels of the visible lines, in order).
EXPECTED_WIDGETS: list[tuple[str, list[str]]] = [
    ("API errors", ["4XXError", "5XXError"]),
    ("API latency (p50/p99)", ["Latency", "Latency"]),
    ("Function errors", FUNCTIONS),
    ("Function throttles", FUNCTIONS),
    ("DLQ depth", QUEUES),
    ("State machine failures", MACHINES),
    ("Signing requests by result", SIGNING),
    ("Policy denials and breaker openings", ["policy_denied", "breaker opened"]),
    ("Gas funder low, incomplete wallets", ["gas funder low", "users with incomplete wallets"]),
    (
        "Deposits by stage (in flight)",
        ["initiated", "validated", "gas_funded", "bridge_sent", "bridge_confirmed"],
    ),
    (
        "Deposits needing attention",
        ["deposits stuck > 30 min", "unknown send outcomes", "failed deposit sagas (24 h)"],
    ),
    (
        "Withdrawals by stage (in flight)",
        ["initiated", "hl_withdraw_sent", "paid_out", "gas_funded", "delivering"],
    ),
    (
        "Withdrawals and reservations needing attention",
        ["withdrawals stuck > 30 min", "cap reservations unresolved > 30 min"],
    ),
    ("Hedges stuck (unwind or close failed)", ["hedges stuck_unwind"]),
    ("Scan evaluations by outcome", ["entered", "entry ready (nothing started)", "skipped", "failed"]),
    ("Monitor evaluations by outcome", ["exited", "held", "skipped", "failed"]),
    (
        "Monitor exits by reason",
        [
            "asgard_liquidation_proximity",
            "hyperliquid_liquidation_proximity",
            "stop_loss",
            "take_profit",
            "carry_below_exit",
        ],
    ),
    (
        "Strategy pauses by reason",
        [
            "user_requested",
            "user_close_all",
            "closed_no_reopen",
            "drawdown",
            "consecutive_failures",
            "kill_switch",
        ],
    ),
    ("Alarms", []),  # the alarm status widget: checked against every alarm below
]

BASIS = "Basis"
# Alarm name (after "basis-dev-") -> (namespace, metric names read, statistic).
EXPECTED_ALARMS: dict[str, tuple[str, set[str], str]] = {
    "api-5xx": ("AWS/ApiGateway", {"5XXError"}, "Sum"),
    **{f"{fn.replace('_', '-')}-errors": ("AWS/Lambda", {"Errors"}, "Sum") for fn in FUNCTIONS},
    **{
        f"{queue}-dlq-not-empty": ("AWS/SQS", {"ApproximateNumberOfMessagesVisible"}, "Maximum")
        for queue in QUEUES
    },
    **{
        f"{machine}-failed": (
            "AWS/States",
            {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"},
            "Sum",
        )
        for machine in MACHINES
    },
    "signing-policy-denials": (BASIS, {"SigningRequests"}, "Sum"),
    "signing-breaker-opened": (BASIS, {"SigningBreakerOpened"}, "Sum"),
    "gas-funder-low": (BASIS, {"GasFunderLow"}, "Sum"),
    "incomplete-wallets": (BASIS, {"IncompleteWallets"}, "Minimum"),
    "stuck-deposits": (BASIS, {"StuckDeposits"}, "Maximum"),
    "unknown-send-outcomes": (BASIS, {"UnknownSendOutcomes"}, "Maximum"),
    "stuck-withdrawals": (BASIS, {"StuckWithdrawals"}, "Maximum"),
    "unresolved-reservations": (BASIS, {"UnresolvedReservations"}, "Maximum"),
    "hedge-stuck-unwind": (BASIS, {"StuckUnwinds"}, "Sum"),
    "scan-errors": (BASIS, {"ScanEvaluations"}, "Sum"),
    "monitor-errors": (BASIS, {"MonitorEvaluations"}, "Sum"),
    "monitor-exits-not-started": (BASIS, {"MonitorEvaluations"}, "Sum"),
}


def _token(value: dict[str, Any]) -> str:
    """A CloudFormation token inside the dashboard body, as plain text (no quotes to break JSON)."""
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    return "<" + json.dumps(value).replace('"', "") + ">"


def _dashboard(synth: Synth) -> dict[str, Any]:
    (dashboard,) = [
        r
        for r in synth.templates["observability"]["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Dashboard"
    ]
    assert dashboard["Properties"]["DashboardName"] == "basis-dev-service"
    separator, parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"]
    assert separator == ""
    return dict(json.loads("".join(p if isinstance(p, str) else _token(p) for p in parts)))


def _series(widget: dict[str, Any]) -> list[str]:
    """The visible lines of a graph: a math expression's inputs are hidden, the expression shown."""
    labels = []
    for entry in widget["properties"].get("metrics", []):
        options = entry[-1] if isinstance(entry[-1], dict) else {}
        if options.get("visible") is not False:
            labels.append(options.get("label") or entry[1])
    return labels


def _alarms(synth: Synth) -> dict[str, tuple[str, dict[str, Any]]]:
    """Alarms by name after the stage prefix: (logical id, properties)."""
    resources = synth.templates["observability"]["Resources"]
    return {
        r["Properties"]["AlarmName"].removeprefix("basis-dev-"): (key, r["Properties"])
        for key, r in resources.items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def _metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    if "MetricName" in alarm:  # a single-metric alarm
        metric: dict[str, Any] = {k: alarm[k] for k in ("Namespace", "MetricName") if k in alarm}
        metric["Dimensions"] = alarm.get("Dimensions", [])
        return [{"Metric": metric, "Stat": alarm["Statistic"]}]
    return [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]


def test_the_dashboard_shows_every_expected_widget_and_series(synth: Synth) -> None:
    widgets = _dashboard(synth)["widgets"]
    shown = [(w["properties"]["title"], _series(w)) for w in widgets]
    assert shown == EXPECTED_WIDGETS
    assert [w["type"] for w in widgets] == ["metric"] * (len(EXPECTED_WIDGETS) - 1) + ["alarm"]


def test_the_alarm_widget_lists_every_alarm(synth: Synth) -> None:
    status = _dashboard(synth)["widgets"][-1]["properties"]
    listed = set(status["alarms"])
    assert listed == {f"<{key}.Arn>" for key, _ in _alarms(synth).values()}
    assert len(listed) == len(EXPECTED_ALARMS)


def test_every_alarm_watches_its_metric_and_notifies_the_topic(synth: Synth) -> None:
    alarms = _alarms(synth)
    assert set(alarms) == set(EXPECTED_ALARMS)
    resources = synth.templates["observability"]["Resources"]
    (topic,) = [key for key, r in resources.items() if r["Type"] == "AWS::SNS::Topic"]
    assert resources[topic]["Properties"]["KmsMasterKeyId"]  # encrypted (the key lets CloudWatch publish)
    for name, (namespace, metrics, statistic) in EXPECTED_ALARMS.items():
        _, alarm = alarms[name]
        stats = _metric_stats(alarm)
        assert {s["Metric"]["Namespace"] for s in stats} == {namespace}, name
        assert {s["Metric"]["MetricName"] for s in stats} == metrics, name
        assert {s["Stat"] for s in stats} == {statistic}, name
        assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold", name
        assert alarm["EvaluationPeriods"] == 1 and alarm["TreatMissingData"] == "notBreaching", name
        assert alarm["AlarmActions"] == [{"Ref": topic}], name
        assert alarm["AlarmDescription"], name


# The dimension naming the resource an AWS metric is about, and the property holding its name.
RESOURCE_DIMENSIONS = {
    "AWS/Lambda": ("FunctionName", "FunctionName", "basis-dev-{}", "-errors"),
    "AWS/SQS": ("QueueName", "QueueName", "basis-dev-{}-dlq", "-dlq-not-empty"),
    "AWS/States": ("StateMachineArn", "StateMachineName", "basis-dev-{}", "-failed"),
}


def test_every_aws_metric_alarm_watches_the_resource_it_is_named_for(synth: Synth) -> None:
    service = synth.templates["service"]
    checked = 0
    for name, (_, alarm) in _alarms(synth).items():
        for stat in _metric_stats(alarm):
            namespace = stat["Metric"]["Namespace"]
            if namespace not in RESOURCE_DIMENSIONS:
                continue
            dimension, prop, physical, suffix = RESOURCE_DIMENSIONS[namespace]
            (value,) = [d["Value"] for d in stat["Metric"]["Dimensions"] if d["Name"] == dimension]
            watched = imported_resource(value, service)["Properties"][prop]
            base = name.removesuffix(suffix)
            expected = physical.format(base.replace("-", "_") if namespace == "AWS/Lambda" else base)
            assert watched == expected, name
            checked += 1
    assert checked == len(FUNCTIONS) + len(QUEUES) + 3 * len(MACHINES)
    api = next(alarm for name, (_, alarm) in _alarms(synth).items() if name == "api-5xx")
    assert api["Dimensions"] == [{"Name": "ApiName", "Value": "basis-dev-api"}]
