"""cdk-nag gates the synth, every function cold-starts with the environment CDK gives it, and the
catalog's queue consumers can actually be wired on AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.access import FUNCTION_ACCESS
from infra.catalog import FUNCTIONS, QUEUES
from infra.deployment import Deployment
from tests.bench.coldstart import import_once
from tests.infra.conftest import SKIP_BUNDLING, Synth

pytestmark = pytest.mark.infra


def _environments(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["FunctionName"].removeprefix("basis-dev-"): r["Properties"]["Environment"][
            "Variables"
        ]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and "FunctionName" in r["Properties"]
    }


def test_synth_passed_cdk_nag_with_no_violations(synth: Synth) -> None:
    report = synth.outdir / "validation-report.json"
    plugins = json.loads(report.read_text())["pluginReports"] if report.exists() else []
    violations = [v for plugin in plugins for v in plugin.get("violations", [])]
    assert violations == []
    for stack in ("data", "service", "observability"):
        metadata = json.loads((synth.outdir / "manifest.json").read_text())["artifacts"][f"basis-dev-{stack}"]
        entries = [e for items in metadata.get("metadata", {}).values() for e in items]
        assert not [e for e in entries if e["type"] == "aws:cdk:error"]


def test_an_unacknowledged_finding_fails_the_synth(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs

    from infra.app import build_app

    app = build_app(context=SKIP_BUNDLING, outdir=str(tmp_path))
    service = app.node.find_child("basis-dev-service")
    assert isinstance(service, cdk.Stack)
    sqs.Queue(service, "UnencryptedQueueWithoutDlq", encryption=sqs.QueueEncryption.UNENCRYPTED)
    with pytest.raises(
        RuntimeError, match=r"AwsSolutions-SQS2(.|\n)*AwsSolutions-SQS3(.|\n)*AwsSolutions-SQS4"
    ):
        app.synth()


def test_every_function_cold_starts_with_its_cdk_environment(synth: Synth) -> None:
    """Each handler's ``bootstrap(...)`` validates the settings its code reads: importing it with
    exactly the variables CDK sets on that function must succeed (it raises naming what is wrong)."""
    environments = _environments(synth.templates["service"])
    assert set(environments) == {fn.name for fn in FUNCTIONS}
    for name, variables in environments.items():
        # Tokens (queue URLs, ARNs) resolve on deploy; any non-empty string stands in.
        deployed = {k: v if isinstance(v, str) else f"token-for-{k}" for k, v in variables.items()}
        assert deployed["BASIS_TABLE_PREFIX"] == "basis-dev-" and deployed["BASIS_STAGE"] == "dev"
        assert import_once(name, {**deployed, "AWS_REGION": "us-east-1"})["unvalidated_settings"] == []


def test_every_catalog_function_has_declared_access() -> None:
    assert set(FUNCTION_ACCESS) == {fn.name for fn in FUNCTIONS}


def test_prod_requires_the_privy_context_and_retains_data(tmp_path: Path) -> None:
    import aws_cdk as cdk

    with pytest.raises(ValueError, match="privy_app_id"):
        Deployment.from_context(cdk.App(context={"stage": "prod"}).node)
    deployment = Deployment.from_context(
        cdk.App(context={"stage": "prod", "privy_app_id": "app", "privy_verification_key": "pem"}).node
    )
    assert deployment.is_prod and deployment.prefix == "basis-prod-"


def test_consumers_finish_within_their_queue_visibility_timeout() -> None:
    visibility = {q.name: q.visibility_timeout_seconds for q in QUEUES}
    for fn in FUNCTIONS:
        if fn.consumes:
            assert fn.timeout_seconds <= visibility[fn.consumes], fn.name
