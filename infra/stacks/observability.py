"""CloudWatch dashboard and alarms (to an encrypted SNS topic) over the service."""

from __future__ import annotations

from collections.abc import Sequence

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

from basis.monitor import outcomes as monitor_outcomes
from basis.platform.observability import METRICS_NAMESPACE
from basis.positions.saga import STUCK_METRIC
from basis.scan import outcomes
from basis.transfers.reconciler import IN_FLIGHT
from infra.deployment import Deployment
from infra.stacks.service import ServiceStack

PERIOD = cdk.Duration.minutes(5)
# The results the signing layer reports (basis.signing.telemetry.RESULTS) and the chains it signs for.
SIGNING_RESULTS = ("success", "policy_denied", "error", "circuit_open", "cap_exceeded", "kill_switch")
SIGNING_CHAINS = ("ethereum", "solana")


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

        signing = {result: _signing(result) for result in SIGNING_RESULTS}
        denials = _signing("policy_denied", "Sum")
        alarm("signing-policy-denials", denials, "Privy or the preflight denied a signing request.")
        trips = cw.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name="SigningBreakerOpened",
            period=PERIOD,
            statistic="Sum",
            dimensions_map={"breaker": "signing-breaker"},
            label="breaker opened",
        )
        alarm("signing-breaker-opened", trips, "The signing circuit breaker opened: all signing is paused.")

        funder_low = cw.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name="GasFunderLow",
            period=PERIOD,
            statistic="Sum",
            label="gas funder low",
        )
        alarm(
            "gas-funder-low", funder_low, "The gas funder cannot cover a top-up: fund it (top-ups stopped)."
        )
        # Counted on every gas tick (10 min); the minimum over 30 min is above 0 only when some user
        # stayed incomplete the whole time (provisioning itself takes seconds).
        incomplete = cw.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name="IncompleteWallets",
            period=cdk.Duration.minutes(30),
            statistic="Minimum",
            label="users with incomplete wallets",
        )
        alarm("incomplete-wallets", incomplete, "Users have lacked a server wallet for 30 minutes.")

        # The reconciler (every 5 min) counts deposits stuck after the bridge for 30 min, sends whose
        # outcome is unknown, withdrawals stuck for 30 min and cap reservations unresolved for 30
        # min (after resolving what the chain could tell); any above 0 needs a person.
        stuck = _count("StuckDeposits", "deposits stuck > 30 min")
        alarm("stuck-deposits", stuck, "Deposits have waited over 30 minutes for their Hyperliquid credit.")
        unknown = _count("UnknownSendOutcomes", "unknown send outcomes")
        alarm(
            "unknown-send-outcomes", unknown, "Deposit transactions were sent (or may have been) unanswered."
        )
        failed_sagas = _count("FailedDepositSagas", "failed deposit sagas (24 h)")
        stuck_out = _count("StuckWithdrawals", "withdrawals stuck > 30 min")
        alarm(
            "stuck-withdrawals",
            stuck_out,
            "Withdrawals have waited over 30 minutes for their payout on Arbitrum (or to be recorded).",
        )
        unresolved = _count("UnresolvedReservations", "cap reservations unresolved > 30 min")
        alarm(
            "unresolved-reservations",
            unresolved,
            "Cap reservations stayed unresolved for 30 minutes: they count as spent until resolved.",
        )
        by_stage = [
            cw.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="DepositsInStage",
                period=PERIOD,
                statistic="Maximum",
                dimensions_map={"stage": stage},
                label=stage,
            )
            for stage in IN_FLIGHT
        ]

        # A hedge whose unwind or close could not finish (basis.positions.saga.stuck): a person must.
        stuck_hedges = _summed(
            STUCK_METRIC, "stuck", "hedges stuck_unwind", ("live", "paper"), dimension="mode"
        )
        alarm(
            "hedge-stuck-unwind",
            stuck_hedges,
            "A hedge could not be unwound or closed: it is stuck_unwind and waits for a person.",
        )

        # The scan worker's evaluations (ScanEvaluations by outcome), summed by kind of outcome.
        scan = [
            _scan("entered", "entered", [outcomes.ENTERED]),
            _scan("ready", "entry ready (nothing started)", [outcomes.ENTRY_READY]),
            _scan("skipped", "skipped", [o for o in outcomes.ALL if o.startswith("skipped:")]),
            _scan("failed", "failed", [o for o in outcomes.ALL if o.startswith("failed:")]),
        ]
        scan_errors = _scan("errors", "unexpected errors", [outcomes.failed(outcomes.ERROR)])
        alarm(
            "scan-errors", scan_errors, "Scan evaluations failed on an unexpected error (scan_worker's log)."
        )

        # The position monitor (MonitorEvaluations by outcome, MonitorExits by reason).
        monitor_all = monitor_outcomes.ALL
        monitor = [
            _monitor("exited", "exited", [monitor_outcomes.EXITED]),
            _monitor("held", "held", [monitor_outcomes.HELD]),
            _monitor("skipped", "skipped", [o for o in monitor_all if o.startswith("skipped:")]),
            _monitor("failed", "failed", [o for o in monitor_all if o.startswith("failed:")]),
        ]
        exits = [
            _summed(monitor_outcomes.EXITS_METRIC, f"exits_{i}", exit.removeprefix("exit:"), [exit])
            for i, exit in enumerate(monitor_outcomes.EXITS)
        ]
        for name, reason, label, description in (
            ("errors", monitor_outcomes.ERROR, "unexpected errors", "failed on an unexpected error"),
            (
                "exits-not-started",
                monitor_outcomes.CLOSE,
                "exits not started",
                "decided exits it could not start",
            ),
        ):
            failures = _monitor(name.replace("-", "_"), label, [monitor_outcomes.failed(reason)])
            alarm(f"monitor-{name}", failures, f"Monitor evaluations {description} (monitor_worker's log).")

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
                [
                    cw.GraphWidget(title="Signing requests by result", left=list(signing.values())),
                    cw.GraphWidget(title="Policy denials and breaker openings", left=[denials, trips]),
                ],
                [cw.GraphWidget(title="Gas funder low, incomplete wallets", left=[funder_low, incomplete])],
                [
                    cw.GraphWidget(title="Deposits by stage (in flight)", left=by_stage, stacked=True),
                    cw.GraphWidget(title="Deposits needing attention", left=[stuck, unknown, failed_sagas]),
                ],
                [
                    cw.GraphWidget(
                        title="Withdrawals and reservations needing attention", left=[stuck_out, unresolved]
                    )
                ],
                [cw.GraphWidget(title="Hedges stuck (unwind or close failed)", left=[stuck_hedges])],
                [cw.GraphWidget(title="Scan evaluations by outcome", left=scan, stacked=True)],
                [
                    cw.GraphWidget(title="Monitor evaluations by outcome", left=monitor, stacked=True),
                    cw.GraphWidget(title="Monitor exits by reason", left=exits, stacked=True),
                ],
                [cw.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24)],
            ],
        )


def _count(name: str, label: str) -> cw.Metric:
    """A count the reconciler emits every run: its latest value in the period."""
    return cw.Metric(
        namespace=METRICS_NAMESPACE, metric_name=name, period=PERIOD, statistic="Maximum", label=label
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


def _signing(result: str, statistic: str = "Sum") -> cw.MathExpression:
    """One signing result summed over chains (the EMF metric has result and chain dimensions)."""
    metrics = {
        f"{result}_{chain}": cw.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name="SigningRequests",
            period=PERIOD,
            statistic=statistic,
            dimensions_map={"result": result, "chain": chain},
        )
        for chain in SIGNING_CHAINS
    }
    return cw.MathExpression(
        expression=" + ".join(metrics), label=result, period=PERIOD, using_metrics=metrics
    )


def _scan(key: str, label: str, names: list[str]) -> cw.MathExpression:
    """Scan evaluations ending in any of ``names``."""
    return _summed(outcomes.METRIC, f"scan_{key}", label, names)


def _monitor(key: str, label: str, names: list[str]) -> cw.MathExpression:
    """Monitor evaluations ending in any of ``names``."""
    return _summed(monitor_outcomes.METRIC, f"monitor_{key}", label, names)


def _summed(
    metric: str, key: str, label: str, names: Sequence[str], dimension: str = "outcome"
) -> cw.MathExpression:
    """``metric`` summed over the ``names`` of one of its dimensions (the workers' outcome, the
    hedges' mode); ``key`` keeps the metric ids unique on a graph."""
    metrics = {
        f"{key}_{i}": cw.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=metric,
            period=PERIOD,
            statistic="Sum",
            dimensions_map={dimension: name},
        )
        for i, name in enumerate(names)
    }
    return cw.MathExpression(
        expression=f"SUM([{', '.join(metrics)}])", label=label, period=PERIOD, using_metrics=metrics
    )
