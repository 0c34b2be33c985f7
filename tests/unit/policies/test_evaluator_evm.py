"""EVM conditions: calldata decoded with the rule's ABI, typed-data domain and message fields."""

from __future__ import annotations

from typing import Any

import pytest

from basis.policies.evaluator import evaluate
from basis.policies.rules import ERC20_TRANSFER_ABI, build_evm_policy
from basis.policies.settings import PolicySettings
from tests.unit.policies.requests_factory import (
    BRIDGE,
    RANDOM_ADDRESS,
    USDC,
    deposit,
    erc20_transfer_data,
    evm_tx,
    hl_order_typed_data,
    hl_user_action_typed_data,
)

POLICY = build_evm_policy(PolicySettings())
CAP = 25_000 * 10**6


def calldata_policy(field: str, operator: str, value: str, abi: list[dict[str, Any]] | None = None) -> dict:
    condition = {
        "field_source": "ethereum_calldata",
        "field": field,
        "operator": operator,
        "value": value,
        "abi": abi or ERC20_TRANSFER_ABI,
    }
    rule = {"name": "r", "method": "eth_signTransaction", "action": "ALLOW", "conditions": [condition]}
    return {"version": "1.0", "name": "p", "chain_type": "ethereum", "rules": [rule]}


@pytest.mark.parametrize(
    ("field", "operator", "value", "allowed"),
    [
        ("transfer.to", "eq", BRIDGE, True),
        ("transfer.to", "eq", BRIDGE.lower(), True),
        ("transfer.to", "eq", RANDOM_ADDRESS, False),
        ("transfer.amount", "lte", str(CAP), True),
        ("transfer.amount", "lt", "1000", False),
        ("transfer.amount", "eq", "1000", True),
    ],
)
def test_calldata_fields_decoded_with_the_rule_abi(
    field: str, operator: str, value: str, allowed: bool
) -> None:
    params = evm_tx(USDC, erc20_transfer_data(BRIDGE, 1000))
    assert evaluate(calldata_policy(field, operator, value), "eth_signTransaction", params).allowed is allowed


def test_calldata_of_another_function_does_not_match() -> None:
    approve = [
        {
            "type": "function",
            "name": "approve",
            "inputs": [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
        }
    ]
    body = calldata_policy("approve.spender", "eq", BRIDGE, approve)
    assert not evaluate(body, "eth_signTransaction", evm_tx(USDC, erc20_transfer_data(BRIDGE, 1))).allowed


def test_truncated_or_missing_calldata_does_not_match() -> None:
    body = calldata_policy("transfer.to", "eq", BRIDGE)
    truncated = erc20_transfer_data(BRIDGE, 1)[:40]
    for params in (evm_tx(USDC, truncated), evm_tx(USDC), evm_tx(USDC, "0x")):
        assert not evaluate(body, "eth_signTransaction", params).allowed


@pytest.mark.parametrize(
    ("params", "allowed", "rule_fragment"),
    [
        (deposit(CAP), True, "Allow USDC deposit"),
        (deposit(CAP + 1), False, None),
        (deposit(10**6, recipient=RANDOM_ADDRESS), False, None),
        (deposit(10**6, to=RANDOM_ADDRESS), False, None),  # a bridge transfer of some other token
        (deposit(10**6, value=1), False, "Deny native ETH"),
        (evm_tx(RANDOM_ADDRESS, value=10**15), False, "Deny native ETH"),
        (evm_tx(BRIDGE, value=10**15), False, "Deny native ETH"),
    ],
)
@pytest.mark.parametrize("method", ["eth_signTransaction", "eth_sendTransaction"])
def test_product_evm_policy_transactions(
    method: str, params: dict, allowed: bool, rule_fragment: str | None
) -> None:
    decision = evaluate(POLICY, method, params)
    assert decision.allowed is allowed, decision.reason
    if rule_fragment is None:
        assert decision.rule is None
    else:
        assert decision.rule is not None and rule_fragment in decision.rule and method in decision.rule


@pytest.mark.parametrize("mainnet", [True, False])
def test_hyperliquid_typed_data_from_the_sdk_is_allowed(mainnet: bool) -> None:
    decision = evaluate(POLICY, "eth_signTypedData_v4", hl_order_typed_data(mainnet))
    assert decision.allowed and decision.rule and "Exchange" in decision.rule
    for action in ("withdraw3", "usdClassTransfer"):
        decision = evaluate(POLICY, "eth_signTypedData_v4", hl_user_action_typed_data(action, mainnet))
        assert decision.allowed and decision.rule and action in decision.rule
    # usdSend can move USDC to any Hyperliquid account: the policy does not allow it.
    assert not evaluate(POLICY, "eth_signTypedData_v4", hl_user_action_typed_data("usdSend", mainnet)).allowed


def _with(params: dict, **changes: Any) -> dict:
    typed = dict(params["typed_data"])
    for key, value in changes.items():
        if key in ("chainId", "verifyingContract"):
            typed["domain"] = {**typed["domain"], key: value}
        else:
            typed[key] = value
    return {"typed_data": typed}


@pytest.mark.parametrize(
    ("params", "why"),
    [
        (_with(hl_order_typed_data(), chainId=1), "Exchange domain on another chain id"),
        (_with(hl_order_typed_data(), verifyingContract=RANDOM_ADDRESS), "another verifying contract"),
        (
            _with(hl_user_action_typed_data("withdraw3"), chainId=1337),
            "user action signed on the L1 chain id",
        ),
        (
            _with(
                hl_order_typed_data(),
                primary_type="Mail",
                types={"Mail": [{"name": "source", "type": "string"}]},
            ),
            "another primary type",
        ),
        (
            _with(
                hl_user_action_typed_data("withdraw3"),
                primary_type="HyperliquidTransaction:ApproveAgent",
                types={
                    "HyperliquidTransaction:ApproveAgent": [{"name": "hyperliquidChain", "type": "string"}]
                },
            ),
            "a user action the product never signs",
        ),
        (
            _with(
                hl_user_action_typed_data("withdraw3"),
                types={
                    "HyperliquidTransaction:Withdraw": [
                        {"name": "hyperliquidChain", "type": "string"},
                        {"name": "destination", "type": "address"},
                    ]
                },
            ),
            "a different struct under the same name",
        ),
    ],
)
def test_typed_data_domain_or_type_mismatch_is_denied(params: dict, why: str) -> None:
    decision = evaluate(POLICY, "eth_signTypedData_v4", params)
    assert not decision.allowed and decision.rule is None, why


def test_typed_data_accepts_camel_case_primary_type() -> None:
    typed = dict(hl_order_typed_data()["typed_data"])
    typed["primaryType"] = typed.pop("primary_type")
    assert evaluate(POLICY, "eth_signTypedData_v4", {"typed_data": typed}).allowed


def test_personal_sign_is_default_denied_by_the_product_policy() -> None:
    decision = evaluate(POLICY, "personal_sign", {"message": "hello", "encoding": "utf-8"})
    assert not decision.allowed and "default deny" in decision.reason


def test_message_conditions() -> None:
    rule = {
        "name": "short",
        "method": "personal_sign",
        "action": "ALLOW",
        "conditions": [
            {"field_source": "message", "field": "byte_length", "operator": "lte", "value": "5"},
            {"field_source": "message", "field": "content", "operator": "starts_with", "value": "he"},
        ],
    }
    body = {"version": "1.0", "name": "p", "chain_type": "ethereum", "rules": [rule]}
    assert evaluate(body, "personal_sign", {"message": "hello", "encoding": "utf-8"}).allowed
    assert evaluate(body, "personal_sign", {"message": "0x68656c6c6f", "encoding": "hex"}).allowed
    assert not evaluate(body, "personal_sign", {"message": "hello!", "encoding": "utf-8"}).allowed
