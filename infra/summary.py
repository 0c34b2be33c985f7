"""A plain summary of synthesized CloudFormation: what the local stack must create too.

``infra_summary(templates)`` takes one template (a dict) or several (e.g. the data and service
stacks) and returns catalog-level names (the ``basis-<stage>-`` prefix stripped, as recorded in
each template's ``Metadata.basis.prefix``)::

    {"tables": {"users": {"partition": ("user_id", "S"), "sort": None, "ttl": None,
                          "billing": "PAY_PER_REQUEST",
                          "indexes": {"by_evm_address": {"partition": ("evm_address", "S"),
                                                         "sort": None, "projection": "ALL"}}}},
     "queues": {"scan": {"dlq": "scan-dlq", "max_receive_count": 3, "visibility_timeout": 120}},
     "schedules": {"scan": {"rate_minutes": 1, "target": "scan_dispatcher"}},
     "event_rules": {"wallets-requested": {"source": "basis.auth", "detail_type": "WalletsRequested",
                                           "queue": "provisioning"}},
     "state_machines": ["deposit-saga"],
     "functions": {"api": {"runtime": "python3.12", "layers": ["base"]}}}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

Template = Mapping[str, Any]
_RATE = re.compile(r"^rate\((\d+) minutes?\)$")


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix) :] if prefix and name.startswith(prefix) else name


def key_schema(schema: list[dict[str, str]], types: dict[str, str]) -> tuple[Any, Any]:
    by_type = {k["KeyType"]: k["AttributeName"] for k in schema}
    hash_name, range_name = by_type["HASH"], by_type.get("RANGE")
    return (hash_name, types[hash_name]), ((range_name, types[range_name]) if range_name else None)


def _table(props: Mapping[str, Any]) -> dict[str, Any]:
    types = {a["AttributeName"]: a["AttributeType"] for a in props.get("AttributeDefinitions", [])}
    partition, sort = key_schema(props["KeySchema"], types)
    indexes = {}
    for index in [*props.get("GlobalSecondaryIndexes", []), *props.get("LocalSecondaryIndexes", [])]:
        i_partition, i_sort = key_schema(index["KeySchema"], types)
        indexes[index["IndexName"]] = {
            "partition": i_partition,
            "sort": i_sort,
            "projection": index["Projection"]["ProjectionType"],
        }
    ttl = props.get("TimeToLiveSpecification") or {}
    return {
        "partition": partition,
        "sort": sort,
        "indexes": indexes,
        "billing": props.get("BillingMode"),
        "ttl": ttl.get("AttributeName") if ttl.get("Enabled") else None,
    }


def _logical_ref(value: Any) -> str | None:
    if isinstance(value, Mapping):
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
        if "Ref" in value:
            return str(value["Ref"])
    return None


def infra_summary(templates: Template | Iterable[Template]) -> dict[str, Any]:
    if isinstance(templates, Mapping):
        templates = [templates]
    resources: dict[str, tuple[str, Mapping[str, Any]]] = {}
    prefix = ""
    for template in templates:
        prefix = template.get("Metadata", {}).get("basis", {}).get("prefix", prefix)
        for logical, resource in template.get("Resources", {}).items():
            resources[logical] = (resource["Type"], resource.get("Properties", {}))

    def name_of(logical: str | None, key: str) -> str | None:
        if logical is None or logical not in resources:
            return None
        return _strip(str(resources[logical][1].get(key, logical)), prefix)

    summary: dict[str, Any] = {
        "tables": {},
        "queues": {},
        "schedules": {},
        "event_rules": {},
        "state_machines": [],
        "functions": {},
    }
    for _logical, (kind, props) in resources.items():
        if kind == "AWS::DynamoDB::Table":
            summary["tables"][_strip(props["TableName"], prefix)] = _table(props)
        elif kind == "AWS::SQS::Queue" and "RedrivePolicy" in props:
            redrive = props["RedrivePolicy"]
            summary["queues"][_strip(props["QueueName"], prefix)] = {
                "dlq": name_of(_logical_ref(redrive["deadLetterTargetArn"]), "QueueName"),
                "max_receive_count": int(redrive["maxReceiveCount"]),
                "visibility_timeout": props.get("VisibilityTimeout"),
            }
        elif kind == "AWS::Events::Rule":
            name = _strip(props["Name"], prefix)
            target = props.get("Targets", [{}])[0]
            if "ScheduleExpression" in props:
                rate = _RATE.match(props["ScheduleExpression"])
                summary["schedules"][name.removeprefix("schedule-")] = {
                    "rate_minutes": int(rate.group(1)) if rate else props["ScheduleExpression"],
                    "target": name_of(_logical_ref(target.get("Arn")), "FunctionName"),
                }
            else:
                pattern = props.get("EventPattern", {})
                summary["event_rules"][name] = {
                    "source": pattern.get("source", [None])[0],
                    "detail_type": pattern.get("detail-type", [None])[0],
                    "queue": name_of(_logical_ref(target.get("Arn")), "QueueName"),
                }
        elif kind == "AWS::StepFunctions::StateMachine":
            summary["state_machines"].append(_strip(props["StateMachineName"], prefix))
        elif kind == "AWS::Lambda::Function" and "FunctionName" in props:
            summary["functions"][_strip(props["FunctionName"], prefix)] = {
                "runtime": props.get("Runtime"),
                "layers": sorted(
                    _strip(str(name_of(_logical_ref(layer), "LayerName")), prefix)
                    for layer in props.get("Layers", [])
                ),
            }
    summary["state_machines"].sort()
    return summary
