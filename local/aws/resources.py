"""Creates the AWS resources of the catalog on the local endpoints: tables from the PynamoDB
models, queues with their DLQs, state machines from state_machines/, the deployment's secret."""

from __future__ import annotations

import contextlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from basis.models import ALL_MODELS, BaseModel
from infra.catalog import EVENT_BUS, EVENT_RULES, QUEUES, STATE_MACHINES
from local.aws.lambdas import LocalLambdas, function_arn

ROLE_ARN = "arn:aws:iam::123456789012:role/basis-local-states"


@dataclass
class CreatedResources:
    tables: list[str] = field(default_factory=list)
    queues: dict[str, dict[str, str]] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    secret_name: str = ""
    event_bus: str = ""


def _create_table(model: type[BaseModel], dynamodb: Any) -> str:
    if not model.exists():
        model.create_table(wait=True)
    if model.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=model.Meta.table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": model.ttl_attribute},
        )
    return str(model.Meta.table_name)


def create_tables(dynamodb: Any) -> list[str]:
    with ThreadPoolExecutor(max_workers=len(ALL_MODELS)) as pool:
        return list(pool.map(lambda model: _create_table(model, dynamodb), ALL_MODELS))


def create_queues(sqs: Any, prefix: str) -> dict[str, dict[str, str]]:
    queues = {}
    for queue in QUEUES:
        dlq_url = sqs.create_queue(QueueName=f"{prefix}{queue.name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        url = sqs.create_queue(
            QueueName=f"{prefix}{queue.name}",
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout_seconds),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
                ),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queues[queue.name] = {"url": url, "arn": arn, "dlq_url": dlq_url}
    return queues


def create_event_bus(events: Any, prefix: str, queues: dict[str, dict[str, str]]) -> str:
    """The product's bus and its rules, each delivering to its queue (as the CDK rules do)."""
    bus = f"{prefix}{EVENT_BUS}"
    with contextlib.suppress(events.exceptions.ResourceAlreadyExistsException):
        events.create_event_bus(Name=bus)
    for rule in EVENT_RULES:
        pattern = {"source": [rule.source], "detail-type": [rule.detail_type]}
        events.put_rule(Name=f"{prefix}{rule.name}", EventBusName=bus, EventPattern=json.dumps(pattern))
        events.put_targets(
            Rule=f"{prefix}{rule.name}",
            EventBusName=bus,
            Targets=[{"Id": rule.queue, "Arn": queues[rule.queue]["arn"]}],
        )
    return bus


def render_definition(path_text: str, functions: tuple[str, ...], lambdas: LocalLambdas) -> str:
    """Substitute ``${Fn_<name>}`` the way CDK's definition_substitutions do."""
    for name in functions:
        path_text = path_text.replace("${Fn_" + name + "}", function_arn(lambdas.physical_name(name)))
    if "${" in path_text:
        raise ValueError("state machine definition has an unresolved ${...} placeholder")
    return path_text


def create_state_machines(sfn: Any, prefix: str, lambdas: LocalLambdas) -> dict[str, str]:
    arns = {}
    existing = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    for machine in STATE_MACHINES:
        physical = f"{prefix}{machine.name}"
        if physical in existing:
            arns[machine.name] = existing[physical]
            continue
        definition = render_definition(machine.path.read_text(), machine.functions, lambdas)
        arns[machine.name] = sfn.create_state_machine(name=physical, definition=definition, roleArn=ROLE_ARN)[
            "stateMachineArn"
        ]
    return arns


def create_secret(secretsmanager: Any, name: str, values: dict[str, str]) -> str:
    try:
        secretsmanager.create_secret(Name=name, SecretString=json.dumps(values))
    except secretsmanager.exceptions.ResourceExistsException:
        secretsmanager.put_secret_value(SecretId=name, SecretString=json.dumps(values))
    return name
