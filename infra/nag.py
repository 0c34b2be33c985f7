"""cdk-nag (AwsSolutions pack) wiring and the one helper every suppression goes through.

cdk-nag 3 is a policy-validation plugin: a finding fails the synth unless acknowledged on the
construct (or an ancestor) with ``Validations.acknowledge``; each finding is acknowledged by its
full id (``AwsSolutions-IAM5[Resource::...]``), always with a written reason.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def enable_nag(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    if not reason.strip():
        raise ValueError("every cdk-nag suppression needs a written reason")
    for rule_id in rule_ids:
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))
