"""Privy's observed evaluation semantics (seed 1.4a), table-driven on small policies."""

from __future__ import annotations

from typing import Any

import pytest

from basis.policies.evaluator import Decision, evaluate, validate_policy
from tests.unit.policies.requests_factory import RANDOM_ADDRESS, USDC, evm_tx

OTHER = "0x2222222222222222222222222222222222222222"


def to_is(address: str) -> dict[str, Any]:
    return {"field_source": "ethereum_transaction", "field": "to", "operator": "eq", "value": address}


def value_gt(amount: str) -> dict[str, Any]:
    return {"field_source": "ethereum_transaction", "field": "value", "operator": "gt", "value": amount}


def rule(name: str, action: str, *conditions: dict[str, Any], method: str = "eth_sendTransaction") -> dict:
    return {"name": name, "method": method, "action": action, "conditions": list(conditions)}


def policy(*rules: dict[str, Any], chain_type: str = "ethereum") -> dict[str, Any]:
    return {"version": "1.0", "name": "p", "chain_type": chain_type, "rules": list(rules)}


ALLOW_USDC = rule("allow-usdc", "ALLOW", to_is(USDC))
DENY_VALUE = rule("deny-value", "DENY", value_gt("0"))

CASES = [
    # (id, policy, params, allowed, deciding rule)
    ("default deny: no rules", policy(), evm_tx(USDC), False, None),
    ("default deny: no ALLOW matches", policy(ALLOW_USDC), evm_tx(RANDOM_ADDRESS), False, None),
    ("ALLOW matches", policy(ALLOW_USDC, DENY_VALUE), evm_tx(USDC), True, "allow-usdc"),
    (
        "DENY overrides a matching ALLOW",
        policy(ALLOW_USDC, DENY_VALUE),
        evm_tx(USDC, value=1),
        False,
        "deny-value",
    ),
    (
        "DENY listed first or last decides the same",
        policy(DENY_VALUE, ALLOW_USDC),
        evm_tx(USDC, value="0x10"),
        False,
        "deny-value",
    ),
    (
        "non-matching DENY does not block",
        policy(ALLOW_USDC, rule("deny-other", "DENY", to_is(OTHER))),
        evm_tx(USDC),
        True,
        "allow-usdc",
    ),
    (
        "condition-less DENY * overrides every ALLOW",
        policy(ALLOW_USDC, rule("allow-usdc-2", "ALLOW", to_is(USDC)), rule("deny-all", "DENY", method="*")),
        evm_tx(USDC),
        False,
        "deny-all",
    ),
    (
        "rules of another method take no part",
        policy(rule("allow-sign", "ALLOW", to_is(USDC), method="eth_signTransaction")),
        evm_tx(USDC),
        False,
        None,
    ),
    (
        "wildcard ALLOW with a condition applies to every method",
        policy(rule("allow-any", "ALLOW", to_is(USDC), method="*")),
        evm_tx(USDC),
        True,
        "allow-any",
    ),
    (
        "all conditions of a rule must hold",
        policy(rule("both", "ALLOW", to_is(USDC), value_gt("5"))),
        evm_tx(USDC, value=5),
        False,
        None,
    ),
    ("address comparison ignores case", policy(ALLOW_USDC), evm_tx(USDC.lower()), True, "allow-usdc"),
    (
        "missing value counts as zero",
        policy(ALLOW_USDC, DENY_VALUE),
        {"transaction": {"to": USDC}},
        True,
        "allow-usdc",
    ),
    ("contract creation (no to) never matches to", policy(ALLOW_USDC), evm_tx(None), False, None),
    (
        "in operator, case-insensitive",
        policy(rule("in", "ALLOW", {**to_is(USDC), "operator": "in", "value": [OTHER, USDC.lower()]})),
        evm_tx(USDC),
        True,
        "in",
    ),
]


@pytest.mark.parametrize(
    ("body", "params", "allowed", "decided_by"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_semantics(body: dict, params: dict, allowed: bool, decided_by: str | None) -> None:
    decision = evaluate(body, "eth_sendTransaction", params)
    assert isinstance(decision, Decision)
    assert (decision.allowed, decision.rule) == (allowed, decided_by), decision.reason
    assert decision.reason


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        ("gt", "10", 11, True),
        ("gt", "10", 10, False),
        ("gte", "10", 10, True),
        ("lt", "10", 9, True),
        ("lt", "10", 10, False),
        ("lte", "10", "0xa", True),
        ("lte", "10", "0xb", False),
        ("eq", "16", "0x10", True),
    ],
)
def test_numeric_operators_on_value(operator: str, value: str, actual: Any, expected: bool) -> None:
    body = policy(
        rule(
            "r",
            "ALLOW",
            {"field_source": "ethereum_transaction", "field": "value", "operator": operator, "value": value},
        )
    )
    assert evaluate(body, "eth_sendTransaction", evm_tx(USDC, value=actual)).allowed is expected


INVALID = [
    (
        "eth_signTransaction rule without conditions (G24)",
        policy(rule("r", "ALLOW", method="eth_signTransaction")),
        "at least one condition",
    ),
    (
        "ethereum_transaction chain_id (G23)",
        policy(
            rule(
                "r",
                "ALLOW",
                {
                    "field_source": "ethereum_transaction",
                    "field": "chain_id",
                    "operator": "eq",
                    "value": "42161",
                },
            )
        ),
        "chain_id",
    ),
    (
        "ethereum_transaction data",
        policy(
            rule(
                "r",
                "ALLOW",
                {"field_source": "ethereum_transaction", "field": "data", "operator": "eq", "value": "0x"},
            )
        ),
        "'data'",
    ),
    (
        "calldata ABI as an object (G26)",
        policy(
            rule(
                "r",
                "ALLOW",
                {
                    "field_source": "ethereum_calldata",
                    "field": "transfer.to",
                    "operator": "eq",
                    "value": USDC,
                    "abi": {"type": "function", "name": "transfer"},
                },
            )
        ),
        "G26",
    ),
    (
        "calldata bare argument name (G25)",
        policy(
            rule(
                "r",
                "ALLOW",
                {
                    "field_source": "ethereum_calldata",
                    "field": "to",
                    "operator": "eq",
                    "value": USDC,
                    "abi": [
                        {
                            "type": "function",
                            "name": "transfer",
                            "inputs": [{"name": "to", "type": "address"}],
                        }
                    ],
                },
            )
        ),
        "G25",
    ),
    ("numeric value not a string", policy(rule("r", "ALLOW", {**value_gt("0"), "value": 0})), "string value"),
    ("in without a list", policy(rule("r", "ALLOW", {**to_is(USDC), "operator": "in"})), "list of strings"),
    ("unknown operator", policy(rule("r", "ALLOW", {**to_is(USDC), "operator": "neq"})), "operator 'neq'"),
    ("solana method on an ethereum policy", policy(rule("r", "ALLOW", method="signTransaction")), "method"),
    ("bad action", policy(rule("r", "MAYBE", to_is(USDC))), "action"),
    ("bad version", {**policy(), "version": "2.0"}, "version"),
    (
        "template variable Privy does not have",
        policy(rule("r", "ALLOW", to_is("{{wallet.owner}}"))),
        "template variable {{wallet.owner}} is not supported",
    ),
    (
        "typed-data domain name is not a Privy field",
        policy(
            rule(
                "r",
                "ALLOW",
                {
                    "field_source": "ethereum_typed_data_domain",
                    "field": "name",
                    "operator": "eq",
                    "value": "Exchange",
                },
                method="eth_signTypedData_v4",
            )
        ),
        "'name'",
    ),
    (
        "field source of another method",
        policy(
            rule(
                "r",
                "ALLOW",
                {
                    "field_source": "solana_program_instruction",
                    "field": "programId",
                    "operator": "eq",
                    "value": "x",
                },
            )
        ),
        "does not apply",
    ),
]


@pytest.mark.parametrize(("body", "fragment"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_policies_are_reported_and_never_allow(body: dict, fragment: str) -> None:
    problems = validate_policy(body)
    assert any(fragment in p for p in problems), problems
    decision = evaluate(body, "eth_sendTransaction", evm_tx(USDC))
    assert not decision.allowed and decision.rule is None
    assert decision.reason.startswith("invalid policy")


def test_malformed_request_is_denied_not_crashed() -> None:
    body = policy(ALLOW_USDC)
    for params in (
        {"transaction": "0x00"},
        {"transaction": {"to": USDC, "value": "lots"}},
        {"transaction": {"to": USDC, "data": "zz"}},
    ):
        decision = evaluate(body, "eth_sendTransaction", params)
        assert not decision.allowed and "malformed request" in decision.reason


def test_method_of_the_other_chain_is_denied() -> None:
    decision = evaluate(policy(rule("r", "ALLOW", method="*")), "signTransaction", {})
    assert not decision.allowed and "not a ethereum wallet method" in decision.reason


WALLET = "0x3333333333333333333333333333333333333333"
SELF = rule("deny-to-self", "DENY", value_gt("5"), to_is("{{wallet.address}}"))


@pytest.mark.parametrize(
    ("params", "wallet", "allowed", "reason"),
    [
        (evm_tx(WALLET, value=9), WALLET, False, "DENY rule 'deny-to-self'"),
        (evm_tx(USDC, value=9), WALLET, True, "ALLOW rule"),
        (evm_tx(WALLET, value=9), None, False, "signing wallet is not known"),  # fail closed
        (evm_tx(WALLET, value=1), None, True, "ALLOW rule"),  # a false condition decides alone
    ],
)
def test_wallet_address_template_is_the_signing_wallet(
    params: dict, wallet: str | None, allowed: bool, reason: str
) -> None:
    body = policy(rule("allow-all", "ALLOW", value_gt("-1")), SELF)
    assert validate_policy(body) == []
    decision = evaluate(body, "eth_sendTransaction", params, wallet=wallet)
    assert decision.allowed is allowed and reason in decision.reason, decision


def test_a_false_condition_decides_a_rule_wherever_the_undecidable_one_stands() -> None:
    for conditions in (
        (value_gt("5"), to_is("{{wallet.address}}")),
        (to_is("{{wallet.address}}"), value_gt("5")),
    ):
        body = policy(rule("allow-all", "ALLOW", value_gt("-1")), rule("deny", "DENY", *conditions))
        assert evaluate(body, "eth_sendTransaction", evm_tx(WALLET, value=1)).allowed
        assert not evaluate(body, "eth_sendTransaction", evm_tx(WALLET, value=9)).allowed
