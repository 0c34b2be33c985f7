"""What the running local stack actually created, in the shape of ``infra.summary.infra_summary``,
so a test can hold the two side by side (the local stack and CDK must agree)."""

from __future__ import annotations

import json
from typing import Any

from infra.summary import key_schema
from local.runtime.stack import PREFIX, LocalStack


def _strip(name: str) -> str:
    return name.removeprefix(PREFIX)


def _tables(stack: LocalStack) -> dict[str, Any]:
    dynamodb = stack.client("dynamodb")
    tables = {}
    for name in dynamodb.list_tables()["TableNames"]:
        if not name.startswith(PREFIX):
            continue
        table = dynamodb.describe_table(TableName=name)["Table"]
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        partition, sort = key_schema(table["KeySchema"], types)
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        tables[_strip(name)] = {
            "partition": partition,
            "sort": sort,
            "indexes": {
                index["IndexName"]: {
                    "partition": key_schema(index["KeySchema"], types)[0],
                    "sort": key_schema(index["KeySchema"], types)[1],
                    "projection": index["Projection"]["ProjectionType"],
                }
                for index in table.get("GlobalSecondaryIndexes", [])
            },
            "billing": table.get("BillingModeSummary", {}).get("BillingMode"),
            "ttl": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None,
        }
    return tables


def _queues(stack: LocalStack) -> dict[str, Any]:
    sqs = stack.client("sqs")
    queues = {}
    for name, info in stack.resources.queues.items():
        attributes = sqs.get_queue_attributes(QueueUrl=info["url"], AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        queues[name] = {
            "dlq": _strip(redrive["deadLetterTargetArn"].rsplit(":", 1)[1]),
            "max_receive_count": int(redrive["maxReceiveCount"]),
            "visibility_timeout": int(attributes["VisibilityTimeout"]),
        }
    return queues


def _event_rules(stack: LocalStack) -> dict[str, Any]:
    events = stack.client("events")
    rules = {}
    for rule in events.list_rules(EventBusName=stack.resources.event_bus)["Rules"]:
        pattern = json.loads(rule["EventPattern"])
        target = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=stack.resources.event_bus)
        rules[_strip(rule["Name"])] = {
            "source": pattern["source"][0],
            "detail_type": pattern["detail-type"][0],
            "queue": _strip(target["Targets"][0]["Arn"].rsplit(":", 1)[1]),
        }
    return rules


def local_summary(stack: LocalStack) -> dict[str, Any]:
    machines = stack.client("stepfunctions").list_state_machines()["stateMachines"]
    return {
        "tables": _tables(stack),
        "queues": _queues(stack),
        "schedules": {
            s.name: {
                "rate_minutes": round(stack.scheduler.interval(s) * stack.speed / 60),
                "target": s.target,
            }
            for s in stack.scheduler.schedules
        },
        "event_rules": _event_rules(stack),
        "state_machines": sorted(_strip(m["name"]) for m in machines),
    }
