"""The platform signer's per-user EVM policy: the shared policy with withdraw3 pinned to the
user's own address, decided by the local evaluator as Privy decides it."""

from __future__ import annotations

import pytest

from basis.policies.evaluator import evaluate, validate_policy
from basis.policies.rules import build_evm_policy
from basis.policies.settings import PolicySettings
from basis.policies.user_policy import build_user_evm_policy
from tools import policy_requests as build
from tools.policy_matrix import matrix

SETTINGS = PolicySettings()
ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7"  # EIP-55 checksummed


def withdraw(destination: str) -> dict[str, object]:
    return build.hl_user_action_typed_data("withdraw3", destination=destination)


def test_withdraw3_is_allowed_only_to_the_users_own_address_in_either_case() -> None:
    policy = build_user_evm_policy(SETTINGS, ADDRESS)
    assert validate_policy(policy) == [] and len(policy["name"]) <= 50
    for destination in (ADDRESS, ADDRESS.lower()):
        assert evaluate(policy, "eth_signTypedData_v4", withdraw(destination)).allowed
    denied = evaluate(policy, "eth_signTypedData_v4", withdraw(build.RANDOM_ADDRESS))
    assert not denied.allowed
    assert evaluate(
        build_evm_policy(SETTINGS), "eth_signTypedData_v4", withdraw(build.RANDOM_ADDRESS)
    ).allowed


def test_everything_else_is_decided_as_by_the_shared_policy() -> None:
    policy = build_user_evm_policy(SETTINGS, ADDRESS)
    assert [r["name"] for r in policy["rules"]] == [r["name"] for r in build_evm_policy(SETTINGS)["rules"]]
    for case in matrix(SETTINGS, build.USDC_MINT):
        if case.chain == "ethereum" and "withdraw3" not in case.name:
            assert evaluate(policy, case.method, case.params).allowed is case.allowed, case.name


def test_an_address_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError):
        build_user_evm_policy(SETTINGS, "0x1234")
