"""A Step Functions state machine loaded from ``state_machines/<file>.asl.json``.

``${Fn_<name>}`` placeholders become the catalog functions' ARNs (the local stack substitutes the
same placeholders), and every state machine logs ALL events and is traced with X-Ray.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.catalog import StateMachine
from infra.constructs.logs import log_group
from infra.nag import acknowledge

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def placeholders(machine: StateMachine) -> set[str]:
    return set(PLACEHOLDER.findall(machine.path.read_text()))


class CatalogStateMachine(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        machine: StateMachine,
        prefix: str,
        functions: dict[str, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        substitutions = {f"Fn_{name}": functions[name].function_arn for name in machine.functions}
        unresolved = placeholders(machine) - substitutions.keys()
        if unresolved:
            raise ValueError(
                f"{machine.path.name}: placeholders {sorted(unresolved)} have no catalog function"
            )
        physical = f"{prefix}{machine.name}"
        self.log_group = log_group(self, "Logs", f"/aws/vendedlogs/states/{physical}")
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=physical,
            definition_body=sfn.DefinitionBody.from_file(str(machine.path)),
            definition_substitutions=substitutions,
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                # Payloads stay out of the logs: they carry user and transfer data.
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )
        for name in machine.functions:
            functions[name].grant_invoke(self.state_machine)
            arn = cdk.Stack.of(self).get_logical_id(functions[name].node.default_child)  # type: ignore[arg-type]
            acknowledge(
                self.state_machine,
                "lambda:InvokeFunction on the function's versions and aliases "
                "(ARN:*) is how CDK grants invoke of one function.",
                f"AwsSolutions-IAM5[Resource::<{arn}.Arn>:*]",
            )
        acknowledge(
            self.state_machine,
            "Log delivery (logs:CreateLogDelivery, ...) and X-Ray actions have no "
            "resource-level permissions, so they can only be granted on '*'.",
            "AwsSolutions-IAM5[Resource::*]",
        )
