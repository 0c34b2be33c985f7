"""The local stack and the CDK app are built from one declaration (infra/catalog.py and the
PynamoDB models): what the local stack created must be what CloudFormation would create."""

from __future__ import annotations

from typing import Any

from infra.summary import infra_summary
from local.aws.describe import local_summary
from local.runtime.stack import LocalStack
from tests.infra.conftest import Synth


def test_tables_queues_schedules_rules_and_state_machines_agree(stack: LocalStack, synth: Synth) -> None:
    cdk: dict[str, Any] = infra_summary([synth.templates["data"], synth.templates["service"]])
    local = local_summary(stack)
    for part in ("tables", "queues", "schedules", "event_rules", "state_machines"):
        assert local[part] == cdk[part], part


def test_the_comparison_sees_real_content(stack: LocalStack) -> None:
    local = local_summary(stack)
    assert len(local["tables"]) == 9 and local["tables"]["transfers"]["indexes"]["by_stage"]["sort"] == (
        "updated_at",
        "S",
    )
    assert local["tables"]["signing_ledger"]["ttl"] == "ttl"
    assert local["queues"]["provisioning"]["dlq"] == "provisioning-dlq"
    assert local["state_machines"] == [
        "deposit-saga",
        "hedge-close-saga",
        "hedge-open-saga",
        "withdrawal-saga",
    ]
