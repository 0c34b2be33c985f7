"""CloudWatch dashboard and alarms (to an encrypted SNS topic) over the service: AWS's own metrics
(API, functions, queues, state machines) here, the product's own (EMF) metrics as declared in
``infra.metric_graphs``, which the local dashboard (``basis-local dashboard``) draws too."""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from basis.platform.observability import METRICS_NAMESPACE
from infra import metric_graphs as g
from infra.deployment import Deployment
from infra.stacks.service import ServiceStack

PERIOD = cdk.Duration.minutes(g.PERIOD_MINUTES)


class ObservabilityStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deployment: Deployment,
        service: ServiceStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        prefix = deployment.prefix
        key = kms.Key(
            self,
            "AlarmTopicKey",
            enable_key_rotation=True,
            description="Encrypts the alarm topic; CloudWatch may publish to it",
        )
        key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
        self.topic = sns.Topic(
            self, "AlarmTopic", topic_name=f"{prefix}alarms", master_key=key, enforce_ssl=True
        )
        if deployment.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(deployment.alarm_email))
        action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cw.Alarm] = []

        def alarm(construct_id: str, metric: cw.Metric | cw.MathExpression, description: str) -> cw.Alarm:
            created = metric.create_alarm(
                self,
                construct_id,
                alarm_name=f"{prefix}{construct_id}",
                alarm_description=description,
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(action)
            self.alarms.append(created)
            return created

        api = service.api.api
        api_widgets: list[cw.IWidget] = [
            cw.GraphWidget(
                title="API errors",
                left=[api.metric_client_error(period=PERIOD), api.metric_server_error(period=PERIOD)],
            ),
            cw.GraphWidget(
                title="API latency (p50/p99)",
                left=[
                    api.metric_latency(period=PERIOD, statistic="p50"),
                    api.metric_latency(period=PERIOD, statistic="p99"),
                ],
            ),
        ]
        alarm("api-5xx", api.metric_server_error(period=PERIOD, statistic="Sum"), "The API answered 5xx.")

        fn_errors, fn_throttles = [], []
        for name, function in service.functions.items():
            errors = function.metric_errors(period=PERIOD, statistic="Sum", label=name)
            fn_errors.append(errors)
            fn_throttles.append(function.metric_throttles(period=PERIOD, statistic="Sum", label=name))
            alarm(f"{name.replace('_', '-')}-errors", errors, f"Function {name} raised errors.")

        dlq_depths = []
        for name, queues in service.queues.items():
            depth = _visible(queues.dlq, name)
            dlq_depths.append(depth)
            alarm(f"{name}-dlq-not-empty", depth, f"Messages reached the {name} dead-letter queue.")

        failed = []
        for name, machine in service.state_machines.items():
            metric = _failed(machine, name)
            failed.append(metric)
            alarm(f"{name}-failed", metric, f"Executions of {name} failed, timed out or aborted.")

        # The product's own metrics (EMF), as declared once in infra.metric_graphs.
        for watched in g.ALARMS:
            alarm(watched.name, _metric(watched.series), watched.description)

        self.dashboard = cw.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{prefix}service",
            widgets=[
                api_widgets,
                [
                    cw.GraphWidget(title="Function errors", left=fn_errors),
                    cw.GraphWidget(title="Function throttles", left=fn_throttles),
                ],
                [
                    cw.GraphWidget(title="DLQ depth", left=dlq_depths),
                    cw.GraphWidget(title="State machine failures", left=failed),
                ],
                *[[_graph(g.SIGNING), _graph(g.BREAKER)], [_graph(g.WALLETS)]],
                [_graph(g.DEPOSITS_BY_STAGE), _graph(g.DEPOSITS_ATTENTION)],
                [_graph(g.WITHDRAWALS_BY_STAGE), _graph(g.WITHDRAWALS_ATTENTION)],
                [_graph(g.HEDGES_STUCK)],
                [_graph(g.SCANS)],
                [_graph(g.MONITOR), _graph(g.EXITS)],
                [_graph(g.PAUSES)],
                [cw.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24)],
            ],
        )


def _visible(queue: sqs.IQueue, name: str) -> cw.Metric:
    return queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum", label=name)


def _failed(machine: sfn.StateMachine, name: str) -> cw.MathExpression:
    key = name.replace("-", "_")  # ids are unique per graph: one set per state machine
    return cw.MathExpression(
        expression=f"failed_{key} + timedout_{key} + aborted_{key}",
        label=name,
        period=PERIOD,
        using_metrics={
            f"failed_{key}": machine.metric_failed(period=PERIOD, statistic="Sum"),
            f"timedout_{key}": machine.metric_timed_out(period=PERIOD, statistic="Sum"),
            f"aborted_{key}": machine.metric_aborted(period=PERIOD, statistic="Sum"),
        },
    )


def _graph(graph: g.Graph) -> cw.GraphWidget:
    return cw.GraphWidget(title=graph.title, left=[_metric(s) for s in graph.series], stacked=graph.stacked)


def _metric(series: g.Series) -> cw.Metric | cw.MathExpression:
    """One series: its metric, or the sum of its dimension sets (ids unique on any one graph)."""
    period = cdk.Duration.minutes(series.period_minutes)
    metrics = [
        cw.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=series.metric,
            period=period,
            statistic=series.statistic,
            dimensions_map=dimensions or None,
        )
        for dimensions in series.combinations()
    ]
    if len(metrics) == 1:
        return metrics[0].with_(label=series.label)
    key = re.sub(r"[^a-z0-9]+", "_", series.label.lower()).strip("_")
    using = {f"{series.metric.lower()}_{key}_{i}": metric for i, metric in enumerate(metrics)}
    return cw.MathExpression(
        expression=f"SUM([{', '.join(using)}])", label=series.label, period=period, using_metrics=using
    )
