"""cdk-nag (AwsSolutions pack) wiring and the one helper every suppression goes through.

cdk-nag 3 is a policy-validation plugin: a finding fails the synth unless acknowledged on the
construct (or an ancestor) with ``Validations.acknowledge``; each finding is acknowledged by its
full id (``AwsSolutions-IAM5[Resource::...]``), always with a written reason that says why this
finding does not apply here (``reason_problem`` refuses empty, short and stock reasons; a test
applies it to every acknowledgement recorded in the synthesized assembly).
"""

from __future__ import annotations

import re

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

MIN_REASON_WORDS = 8
# Reasons that acknowledge without explaining (compared without case and final punctuation).
STOCK_REASONS = re.compile(
    r"^(ok|okay|n/?a|none|todo|tbd|fixme|suppressed|ignored?|accepted|acknowledged|known( issue)?|"
    r"intended|expected|by design|false positive|not (needed|applicable|relevant|an issue)|"
    r"cdk default|default|this is fine|will fix later)$"
)


def reason_problem(reason: str) -> str | None:
    """What is wrong with ``reason`` as a cdk-nag acknowledgement, or None when it explains."""
    text = reason.strip().rstrip(".!").strip().lower()
    if not text:
        return "empty"
    if STOCK_REASONS.match(text) or re.search(r"\b(todo|tbd|fixme)\b", text):
        return "a stock phrase, not a reason"
    if len(text.split()) < MIN_REASON_WORDS:
        return f"fewer than {MIN_REASON_WORDS} words: say why the finding does not apply here"
    return None


def enable_nag(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    problem = reason_problem(reason)
    if problem:
        raise ValueError(f"cdk-nag acknowledgement of {', '.join(rule_ids)}: reason {problem}")
    for rule_id in rule_ids:
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))
