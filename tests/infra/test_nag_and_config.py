"""cdk-nag gates the synth, every function's environment satisfies the product's settings, and the
catalog's queue consumers can actually be wired on AWS."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from basis.identity.authorizer import AuthorizerSettings
from basis.platform.config import Settings, load
from infra.access import FUNCTION_ACCESS
from infra.catalog import FUNCTIONS, QUEUES
from infra.deployment import Deployment
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


def test_every_function_environment_satisfies_the_settings(
    synth: Synth, monkeypatch: pytest.MonkeyPatch
) -> None:
    environments = _environments(synth.templates["service"])
    for name, variables in environments.items():
        for key in [k for k in os.environ if k.startswith("BASIS_")]:
            monkeypatch.delenv(key)
        for key, value in variables.items():
            # Tokens (queue URLs, bus names) resolve on deploy; any non-empty string stands in.
            monkeypatch.setenv(key, value if isinstance(value, str) else f"token-for-{key}")
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        settings = load(Settings)
        assert settings.table_prefix == "basis-dev-" and settings.stage == "dev"
        assert settings.secret_name == "basis-dev-secrets"
        if name == "authorizer":
            assert load(AuthorizerSettings).privy_verification_key


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
