"""The product's own policy bodies: valid, SDK-shaped, and never holding a condition-less DENY (G20)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from privy.types.policy_create_params import PolicyCreateParams
from pydantic import TypeAdapter

from basis.policies.evaluator import validate_policy
from basis.policies.rules import build_evm_policy, build_solana_policy
from basis.policies.settings import PolicySettings

VARIANTS = {
    "defaults": PolicySettings(),
    "asgard set": PolicySettings(asgard_program_id="9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"),
    "custom limits": PolicySettings(
        max_usdc_per_tx=Decimal("100.5"),
        max_usdc_daily=Decimal(200),
        max_sol_per_tx=Decimal("0.25"),
        max_spl_per_tx=Decimal(7),
    ),
}
SDK_CREATE_PARAMS = TypeAdapter(PolicyCreateParams)
BODIES = [
    (f"{builder.__name__}/{name}", builder(settings))
    for name, settings in VARIANTS.items()
    for builder in (build_evm_policy, build_solana_policy)
]


@pytest.mark.parametrize("body", [b for _, b in BODIES], ids=[i for i, _ in BODIES])
def test_product_policies_validate_and_have_no_condition_less_deny(body: dict[str, Any]) -> None:
    assert validate_policy(body) == []
    for rule in body["rules"]:
        assert rule["conditions"], f"rule {rule['name']!r} has no conditions"
        assert rule["method"] != "*", f"rule {rule['name']!r} applies to every method"
    assert len({rule["name"] for rule in body["rules"]}) == len(body["rules"])


@pytest.mark.parametrize("body", [b for _, b in BODIES], ids=[i for i, _ in BODIES])
def test_product_policies_match_the_sdk_create_params(body: dict[str, Any]) -> None:
    validated = SDK_CREATE_PARAMS.validate_python(body)
    rules = list(validated["rules"])
    assert len(rules) == len(body["rules"])
    for rule in rules:
        assert list(rule["conditions"])  # the SDK's condition union accepts every condition


def test_evm_policy_amounts_are_base_units() -> None:
    body = build_evm_policy(VARIANTS["custom limits"])
    caps = [c["value"] for r in body["rules"] for c in r["conditions"] if c["field"] == "transfer.amount"]
    assert caps == ["100500000", "100500000"]
    calldata = [c for r in body["rules"] for c in r["conditions"] if c["field_source"] == "ethereum_calldata"]
    assert calldata and all(isinstance(c["abi"], list) for c in calldata)


def test_solana_policy_amounts_are_base_units() -> None:
    body = build_solana_policy(VARIANTS["custom limits"])
    values = {c["field"]: c["value"] for r in body["rules"] for c in r["conditions"]}
    assert values["Transfer.lamports"] == "250000000"
    assert values["TransferChecked.amount"] == "7000000"


def _programs(body: dict[str, Any]) -> list[str]:
    return next(c["value"] for r in body["rules"] for c in r["conditions"] if c["field"] == "programId")


def test_asgard_left_out_with_a_warning_when_unset(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="basis.policies.rules"):
        body = build_solana_policy(PolicySettings(asgard_program_id=""))
    assert "ASGARD_PROGRAM_ID is unset" in caplog.text
    assert len(_programs(body)) == 7


def test_asgard_included_without_warning_when_set(caplog: pytest.LogCaptureFixture) -> None:
    asgard = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
    with caplog.at_level(logging.WARNING, logger="basis.policies.rules"):
        body = build_solana_policy(PolicySettings(asgard_program_id=asgard))
    assert caplog.text == ""
    assert asgard in _programs(body)
