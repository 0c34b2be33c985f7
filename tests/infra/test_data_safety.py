"""Data safety in the synthesized templates (issue 13, item 8): the money tables keep point-in-time
recovery, deletion protection and RETAIN in every stage; every log group has a retention and every
function, state machine and API stage logs into one of them; every queue's dead-letter queue is
alarmed to the alarm topic; every cdk-nag acknowledgement says why. Each check walks the whole
template, so a table, log group or queue added later is covered without touching this file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.deployment import Deployment
from infra.nag import acknowledge, reason_problem
from infra.stacks.data import DataStack
from infra.tables import MONEY_TABLES
from tests.infra.conftest import Synth, imported_resource

pytestmark = pytest.mark.infra

Resources = dict[str, dict[str, Any]]

# Named here on purpose (not read back from infra.tables): dropping one from MONEY_TABLES fails.
EXPECTED_MONEY_TABLES = {
    "users",
    "claims",
    "transfers",
    "spend_windows",
    "signing_ledger",
    "positions",
    "strategy_configs",
    "risk_tracking",
}


def _of_type(resources: Resources, kind: str) -> Resources:
    return {key: r for key, r in resources.items() if r["Type"] == kind}


def _tables(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    prefix = template["Metadata"]["basis"]["prefix"]
    return {
        r["Properties"]["TableName"].removeprefix(prefix): r
        for r in _of_type(template["Resources"], "AWS::DynamoDB::Table").values()
    }


def _protected(table: Mapping[str, Any]) -> bool:
    props = table["Properties"]
    return (
        props.get("DeletionProtectionEnabled") is True
        and table.get("DeletionPolicy") == "Retain"
        and table.get("UpdateReplacePolicy") == "Retain"
    )


def test_money_tables_are_protected_and_recoverable_in_dev(synth: Synth) -> None:
    assert MONEY_TABLES == EXPECTED_MONEY_TABLES
    tables = _tables(synth.templates["data"])
    assert set(tables) > EXPECTED_MONEY_TABLES
    for name, table in tables.items():
        pitr = table["Properties"]["PointInTimeRecoverySpecification"]
        assert pitr == {"PointInTimeRecoveryEnabled": True}, name
        assert _protected(table) == (name in EXPECTED_MONEY_TABLES), name
    # The one table outside the list is the operational flags' (dev may drop it with its stack).
    assert tables["control"]["DeletionPolicy"] == "Delete"


def test_prod_protects_every_table() -> None:
    app = cdk.App()
    deployment = Deployment(stage="prod", endpoints={}, privy_app_id="app", privy_verification_key="pem")
    stack = DataStack(app, "data", deployment=deployment)
    tables = Template.from_stack(stack).find_resources("AWS::DynamoDB::Table")
    assert tables and all(_protected(table) for table in tables.values())


def _log_group_ids(templates: dict[str, dict[str, Any]]) -> set[str]:
    return {
        key
        for template in templates.values()
        for key in _of_type(template["Resources"], "AWS::Logs::LogGroup")
    }


def test_every_log_group_has_a_retention(synth: Synth) -> None:
    groups = [
        (key, r["Properties"])
        for template in synth.templates.values()
        for key, r in _of_type(template["Resources"], "AWS::Logs::LogGroup").items()
    ]
    assert len(groups) > 13  # one per function, state machine, and the API's two
    for key, props in groups:
        assert isinstance(props.get("RetentionInDays"), int) and props["RetentionInDays"] > 0, key


def test_every_log_writer_writes_to_a_declared_log_group(synth: Synth) -> None:
    """A function, state machine or stage without a declared group would log into one AWS creates
    itself, kept forever: each must name one of the template's (retained) log groups."""
    resources = synth.templates["service"]["Resources"]
    declared = _log_group_ids(synth.templates)
    for key, fn in _of_type(resources, "AWS::Lambda::Function").items():
        assert fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] in declared, key
    for key, machine in _of_type(resources, "AWS::StepFunctions::StateMachine").items():
        (destination,) = machine["Properties"]["LoggingConfiguration"]["Destinations"]
        assert destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0] in declared, key
    stages = _of_type(resources, "AWS::ApiGateway::Stage")
    assert stages
    for key, stage in stages.items():
        props = stage["Properties"]
        assert props["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0] in declared, key
        if any(s.get("LoggingLevel", "OFF") != "OFF" for s in props.get("MethodSettings", [])):
            # API Gateway writes execution logs to this fixed name, creating the group if absent.
            name = {
                "Fn::Join": [
                    "",
                    ["API-Gateway-Execution-Logs_", props["RestApiId"], f"/{props['StageName']}"],
                ]
            }
            (group,) = [
                g for g in declared if resources.get(g, {}).get("Properties", {}).get("LogGroupName") == name
            ]
            assert group in stage.get("DependsOn", []), "the group must exist before the stage logs"


def _dlq_alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    """Alarms on a queue's visible messages, by the physical name of the queue they watch."""
    observability, service = synth.templates["observability"], synth.templates["service"]
    watched = {}
    for alarm in _of_type(observability["Resources"], "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        stats = [m["MetricStat"] for m in props.get("Metrics", []) if "MetricStat" in m]
        for stat in stats:
            metric = stat["Metric"]
            if metric["MetricName"] == "ApproximateNumberOfMessagesVisible":
                assert metric["Namespace"] == "AWS/SQS" and len(stats) == 1
                (dimension,) = metric["Dimensions"]
                assert dimension["Name"] == "QueueName"
                watched[imported_resource(dimension["Value"], service)["Properties"]["QueueName"]] = props
    return watched


def test_every_dead_letter_queue_is_alarmed_to_the_topic(synth: Synth) -> None:
    resources = synth.templates["service"]["Resources"]
    queues = _of_type(resources, "AWS::SQS::Queue")
    dlqs = {
        resources[q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]]["Properties"][
            "QueueName"
        ]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    assert len(dlqs) == len(queues) // 2 and "basis-dev-scan-dlq" in dlqs
    (topic,) = _of_type(synth.templates["observability"]["Resources"], "AWS::SNS::Topic")
    alarms = _dlq_alarms(synth)
    assert set(alarms) == dlqs  # every DLQ, and no live queue alarmed as if it were one
    for name, alarm in alarms.items():
        assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold", name
        assert alarm["EvaluationPeriods"] == 1, name
        assert alarm["AlarmActions"] == [{"Ref": topic}], name


def _acknowledgements(synth: Synth) -> dict[str, dict[str, str]]:
    """Every acknowledgement recorded in the cloud assembly: construct path -> {rule id: reason}."""
    found: dict[str, dict[str, str]] = {}
    for metadata in synth.outdir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    found.setdefault(path, {}).update(entry["data"])
    return found


def test_every_cdk_nag_acknowledgement_gives_a_specific_reason(synth: Synth) -> None:
    acknowledged = _acknowledgements(synth)
    rules = {rule for by_rule in acknowledged.values() for rule in by_rule}
    assert any("AwsSolutions-IAM5" in rule for rule in rules) and any("SQS3" in rule for rule in rules)
    vague = {
        (path, rule): reason_problem(reason)
        for path, by_rule in acknowledged.items()
        for rule, reason in by_rule.items()
        if reason_problem(reason)
    }
    assert vague == {}


@pytest.mark.parametrize(
    "reason",
    ["", "   ", "False positive.", "n/a", "TODO", "ok", "Not needed here.", "fine for now, TODO later"],
)
def test_an_empty_or_stock_reason_is_refused(reason: str) -> None:
    assert reason_problem(reason) is not None
    with pytest.raises(ValueError, match="reason"):
        acknowledge(cdk.App(), reason, "AwsSolutions-SQS3")


def test_a_reason_that_explains_is_accepted() -> None:
    assert reason_problem("This is the dead-letter queue itself; a DLQ of a DLQ would hide nothing.") is None
