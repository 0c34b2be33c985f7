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


REGISTERED = "0x2222222222222222222222222222222222222222"


def usdc_to(recipient: str, units: int = 49 * 10**6) -> dict[str, object]:
    return build.deposit(units, recipient=recipient)


def test_usdc_goes_to_registered_addresses_only_and_within_the_per_transaction_cap() -> None:
    policy = build_user_evm_policy(SETTINGS, ADDRESS, [REGISTERED])
    assert validate_policy(policy) == []
    for method in ("eth_sendTransaction", "eth_signTransaction"):
        assert evaluate(policy, method, usdc_to(REGISTERED)).allowed
        assert evaluate(policy, method, usdc_to(REGISTERED.upper().replace("0X", "0x"))).allowed
        assert not evaluate(policy, method, usdc_to(build.RANDOM_ADDRESS)).allowed
        over = int(SETTINGS.max_usdc_per_tx * 10**6) + 1
        assert not evaluate(policy, method, usdc_to(REGISTERED, over)).allowed
        assert not evaluate(policy, method, build.evm_tx(REGISTERED, value=1)).allowed  # no ETH to it
    unregistered = build_user_evm_policy(SETTINGS, ADDRESS)
    assert not evaluate(unregistered, "eth_sendTransaction", usdc_to(REGISTERED)).allowed


def test_registered_addresses_add_two_rules_and_nothing_else() -> None:
    bare, registered = (
        build_user_evm_policy(SETTINGS, ADDRESS),
        build_user_evm_policy(SETTINGS, ADDRESS, [REGISTERED, REGISTERED, build.RANDOM_ADDRESS]),
    )
    added = registered["rules"][len(bare["rules"]) :]
    assert registered["rules"][: len(bare["rules"])] == bare["rules"]
    assert [r["action"] for r in added] == ["ALLOW", "ALLOW"]
    assert [c["value"] for r in added for c in r["conditions"] if c["field"] == "transfer.to"] == [
        [REGISTERED, build.RANDOM_ADDRESS]
    ] * 2
    with pytest.raises(ValueError):
        build_user_evm_policy(SETTINGS, ADDRESS, ["0x1234"])
