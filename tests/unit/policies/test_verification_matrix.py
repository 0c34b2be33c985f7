"""The verification matrix (tools.policy_matrix) evaluated locally on the product's policies;
tests/integration/test_privy_setup.py runs the same matrix against the Privy emulator."""

from __future__ import annotations

import pytest
from solders.keypair import Keypair

from basis.policies.evaluator import evaluate
from basis.policies.rules import build_evm_policy, build_solana_policy
from basis.policies.settings import PolicySettings
from tools.policy_matrix import Case, matrix

SETTINGS = PolicySettings()
POLICIES = {"ethereum": build_evm_policy(SETTINGS), "solana": build_solana_policy(SETTINGS)}
CASES = matrix(SETTINGS, Keypair().pubkey())


def test_the_matrix_covers_both_chains_and_both_answers() -> None:
    assert {(c.chain, c.allowed) for c in CASES} == {
        ("ethereum", True),
        ("ethereum", False),
        ("solana", True),
        ("solana", False),
    }
    assert all(
        c.method in {"eth_signTransaction", "eth_signTypedData_v4", "personal_sign", "signTransaction"}
        for c in CASES
    ), "verification must never broadcast"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_verification_matrix(case: Case) -> None:
    decision = evaluate(POLICIES[case.chain], case.method, case.params)
    assert decision.allowed is case.allowed, decision.reason
