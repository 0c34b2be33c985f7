"""Every log group of the app goes through ``log_group``: CloudWatch keeps a log group without a
retention forever, so each one here has the same finite retention (a test checks every log group
in the templates, and that every function, state machine and API stage logs to one of them)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

# Logs are for operating and debugging; the durable records of money live in the tables.
LOG_RETENTION = logs.RetentionDays.ONE_MONTH


def log_group(scope: Construct, construct_id: str, name: str | None = None) -> logs.LogGroup:
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        retention=LOG_RETENTION,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
