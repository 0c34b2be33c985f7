"""One Lambda function per catalog entry: ``functions/<name>/`` with the catalog's layers."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.catalog import FUNCTIONS_DIR, Function
from infra.constructs.layers import ARCHITECTURE, RUNTIME
from infra.constructs.logs import log_group
from infra.nag import acknowledge


def logical_name(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def catalog_function(
    scope: Construct,
    fn: Function,
    *,
    prefix: str,
    layers: Mapping[str, lambda_.ILayerVersion],
    environment: dict[str, str],
) -> lambda_.Function:
    physical = f"{prefix}{fn.name}"
    function_logs = log_group(scope, f"{logical_name(fn.name)}Logs", f"/aws/lambda/{physical}")
    # Its own role, writing only to its own log group (no AWS-managed execution policy).
    role = iam.Role(
        scope,
        f"{logical_name(fn.name)}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"Execution role of {physical}",
    )
    function_logs.grant_write(role)
    function = lambda_.Function(
        scope,
        f"{logical_name(fn.name)}Function",
        function_name=physical,
        description=fn.description,
        runtime=RUNTIME,
        architecture=ARCHITECTURE,
        handler="handler.handler",
        code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / fn.name), exclude=["__pycache__", "*.pyc"]),
        layers=[layers[name] for name in fn.layers],
        timeout=cdk.Duration.seconds(fn.timeout_seconds),
        memory_size=fn.memory_mb,
        environment=environment,
        tracing=lambda_.Tracing.ACTIVE,
        log_group=function_logs,
        logging_format=lambda_.LoggingFormat.JSON,
        role=role,
    )
    acknowledge(
        function,
        "Pinned to python3.12: the layers are built for CPython 3.12 wheels "
        "(infra.build_layers); move both together.",
        "AwsSolutions-L1",
    )
    acknowledge(
        role,
        "X-Ray tracing: xray:PutTraceSegments/PutTelemetryRecords have no resource-level "
        "permissions, so they can only be granted on '*'.",
        "AwsSolutions-IAM5[Resource::*]",
    )
    return function
