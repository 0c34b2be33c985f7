"""The service: functions from the catalog with their layers, the REST API and its authorizer,
queues with DLQs, the event bus and its rules, schedules and state machines."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.access import FUNCTION_ACCESS
from infra.catalog import EVENT_RULES, FUNCTIONS, QUEUES, SCHEDULES, STATE_MACHINES
from infra.constructs.api import RestApi
from infra.constructs.functions import catalog_function, logical_name
from infra.constructs.layers import layer_versions
from infra.constructs.queues import QueueWithDlq
from infra.constructs.state_machines import CatalogStateMachine
from infra.deployment import Deployment
from infra.nag import acknowledge
from infra.tables import all_table_specs


class ServiceStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, deployment: Deployment, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.prefix = prefix = deployment.prefix
        self.stage = deployment.stage
        # Tables by name (they live in the data stack): no cross-stack exports to pin them down.
        self.table_specs = {spec.suffix: spec for spec in all_table_specs()}
        tables = {
            suffix: ddb.Table.from_table_attributes(
                self,
                f"Imported{logical_name(suffix)}",
                table_name=spec.physical_name(prefix),
                global_indexes=[i.name for i in spec.indexes if not i.local] or None,
                local_indexes=[i.name for i in spec.indexes if i.local] or None,
            )
            for suffix, spec in self.table_specs.items()
        }
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=deployment.secret_name,
            description="Privy app secret, internal JWT secret, Privy authorization key (JSON)",
        )
        acknowledge(
            self.secret,
            "Holds third-party credentials (Privy app secret and authorization key) that "
            "are rotated in Privy's dashboard, then written here; no Lambda can rotate them.",
            "AwsSolutions-SMG4",
        )
        self.queues = {
            q.name: QueueWithDlq(self, f"{logical_name(q.name)}Queue", queue=q, prefix=prefix) for q in QUEUES
        }
        self.bus = events.EventBus(self, "EventBus", event_bus_name=deployment.event_bus_name)
        self.machine_arns = machine_arns = {
            m.name: self.format_arn(
                service="states",
                resource="stateMachine",
                resource_name=f"{prefix}{m.name}",
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            )
            for m in STATE_MACHINES
        }
        layers = layer_versions(self, prefix)
        self.functions: dict[str, lambda_.Function] = {}
        for fn in FUNCTIONS:
            access = FUNCTION_ACCESS[fn.name]
            env = deployment.environment()
            for queue in access.send_to:
                env[f"BASIS_{queue.upper()}_QUEUE_URL"] = self.queues[queue].queue.queue_url
            for machine in {*access.start_executions, *access.list_executions}:
                env[f"BASIS_{machine.replace('-', '_').upper()}_ARN"] = machine_arns[machine]
            function = catalog_function(self, fn, prefix=prefix, layers=layers, environment=env)
            self._grant(function, fn.name, tables)
            if fn.consumes:
                function.add_event_source(
                    sources.SqsEventSource(
                        self.queues[fn.consumes].queue,
                        batch_size=fn.batch_size,
                        report_batch_item_failures=True,
                    )
                )
            self.functions[fn.name] = function

        self.api = RestApi(
            self,
            "RestApi",
            prefix=prefix,
            stage=deployment.stage,
            handler=self.functions["api"],
            authorizer=self.functions["authorizer"],
            cors_allowed_origins=deployment.cors_allowed_origins,
        )
        for rule in EVENT_RULES:
            events.Rule(
                self,
                f"{logical_name(rule.name.replace('-', '_'))}Rule",
                rule_name=f"{prefix}{rule.name}",
                event_bus=self.bus,
                event_pattern=events.EventPattern(source=[rule.source], detail_type=[rule.detail_type]),
                targets=[targets.SqsQueue(self.queues[rule.queue].queue)],
            )
        self.schedules = {}
        for schedule in SCHEDULES:
            self.schedules[schedule.name] = events.Rule(
                self,
                f"{logical_name(schedule.name)}Schedule",
                rule_name=f"{prefix}schedule-{schedule.name}",
                description=schedule.description,
                schedule=events.Schedule.rate(cdk.Duration.minutes(schedule.rate_minutes)),
                targets=[targets.LambdaFunction(self.functions[schedule.target], retry_attempts=2)],
            )
        self.state_machines = {
            m.name: CatalogStateMachine(
                self,
                f"{logical_name(m.name.replace('-', '_'))}Machine",
                machine=m,
                prefix=prefix,
                functions=dict(self.functions),
            ).state_machine
            for m in STATE_MACHINES
        }

    def parameter_arn(self, parameter: str) -> str:
        """ARN of the SSM parameter ``/basis/<stage>/<parameter>`` (``basis.privy.ids``)."""
        return self.format_arn(
            service="ssm", resource="parameter", resource_name=f"basis/{self.stage}/{parameter}"
        )

    def _grant(self, function: lambda_.Function, name: str, tables: dict[str, ddb.ITable]) -> None:
        access = FUNCTION_ACCESS[name]
        for suffix in access.read:
            tables[suffix].grant_read_data(function)
        for suffix in access.read_write:
            tables[suffix].grant_read_write_data(function)
        for suffix in {*access.read, *access.read_write}:
            if self.table_specs[suffix].indexes:
                name = self.table_specs[suffix].physical_name(self.prefix)
                acknowledge(
                    function.role or function,
                    f"Queries on {name}'s secondary indexes: index ARNs are "
                    "<table>/index/<name>, granted as <table>/index/* by CDK.",
                    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:"
                    f"<AWS::AccountId>:table/{name}/index/*]",
                )
        for queue in access.send_to:
            self.queues[queue].queue.grant_send_messages(function)
        if access.put_events:
            self.bus.grant_put_events_to(function)
        if access.secret:
            self.secret.grant_read(function)
        if access.parameters:
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["ssm:GetParameter"],
                    resources=[self.parameter_arn(parameter) for parameter in access.parameters],
                )
            )
        for machine in access.start_executions:
            # By ARN, not by construct: the saga's own functions would otherwise form a cycle.
            function.add_to_role_policy(
                iam.PolicyStatement(actions=["states:StartExecution"], resources=[self.machine_arns[machine]])
            )
        for machine in access.list_executions:
            function.add_to_role_policy(
                iam.PolicyStatement(actions=["states:ListExecutions"], resources=[self.machine_arns[machine]])
            )
            executions = self.format_arn(
                service="states",
                resource="execution",
                resource_name=f"{self.prefix}{machine}:*",
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            )
            function.add_to_role_policy(
                iam.PolicyStatement(actions=["states:DescribeExecution"], resources=[executions])
            )
            acknowledge(
                function.role or function,
                f"Reads the executions of {self.prefix}{machine}: execution ARNs are "
                "<machine>:<execution name>, one per transfer, granted as <machine>:*.",
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:"
                f"<AWS::AccountId>:execution:{self.prefix}{machine}:*]",
            )
