"""The CDK app: ``CDK_OUTDIR=cdk.out python -m infra.app`` (what ``make synth`` and ``cdk.json`` run).

Stacks ``basis-<stage>-data`` (tables), ``-service`` (API, functions, queues, schedules, state
machines) and ``-observability`` (dashboard, alarms). The AwsSolutions cdk-nag pack runs on every
synth; an unacknowledged finding fails it.
"""

from __future__ import annotations

import os

# jsii's Node end-of-life banner is noise for a synth (must be set before aws_cdk starts jsii).
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from typing import Any

import aws_cdk as cdk

from infra.deployment import Deployment
from infra.nag import enable_nag
from infra.stacks.data import DataStack
from infra.stacks.observability import ObservabilityStack
from infra.stacks.service import ServiceStack


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> cdk.App:
    """The whole app, with cdk-nag enabled; ``context`` overrides ``cdk.json``/CLI context."""
    app = cdk.App(context=context, outdir=outdir)
    deployment = Deployment.from_context(app.node)
    env = cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
    )
    metadata = {"basis": {"stage": deployment.stage, "prefix": deployment.prefix}}
    name = f"basis-{deployment.stage}"
    data = DataStack(
        app,
        f"{name}-data",
        deployment=deployment,
        env=env,
        description="Basis server wallets: DynamoDB tables (from the PynamoDB models)",
    )
    service = ServiceStack(
        app,
        f"{name}-service",
        deployment=deployment,
        env=env,
        description="Basis server wallets: API, functions, queues, schedules, state machines",
    )
    service.add_stack_dependency(data, "functions use the tables")
    observability = ObservabilityStack(
        app,
        f"{name}-observability",
        deployment=deployment,
        service=service,
        env=env,
        description="Basis server wallets: dashboard and alarms",
    )
    for stack in (data, service, observability):
        stack.template_options.metadata = metadata
        cdk.Tags.of(stack).add("project", "basis-server-wallets")
        cdk.Tags.of(stack).add("stage", deployment.stage)
    enable_nag(app)
    return app


def main() -> None:
    build_app().synth()


if __name__ == "__main__":
    main()
