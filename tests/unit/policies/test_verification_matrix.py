"""The seed's 1.6-1.8 verification matrix plus the Solana cases it skipped, evaluated locally on
the product's policies (the operator verify script runs the same matrix against Privy)."""

from __future__ import annotations

import pytest
from solders.keypair import Keypair

from basis.policies.evaluator import evaluate
from basis.policies.rules import build_evm_policy, build_solana_policy
from basis.policies.settings import PolicySettings
from tests.unit.policies.requests_factory import (
    BRIDGE,
    RANDOM_ADDRESS,
    compute_limit,
    deposit,
    evm_tx,
    hl_order_typed_data,
    hl_user_action_typed_data,
    program_call,
    sol_transfer,
    solana_tx,
    transfer_checked,
)

SETTINGS = PolicySettings()
EVM = build_evm_policy(SETTINGS)
SOLANA = build_solana_policy(SETTINGS)
CAP = 25_000 * 10**6

MATRIX = [
    ("bridge deposit (USDC transfer to Bridge2)", EVM, "eth_sendTransaction", deposit(100 * 10**6), True),
    ("bridge deposit, sign only", EVM, "eth_signTransaction", deposit(100 * 10**6), True),
    ("HL Exchange EIP-712 (order)", EVM, "eth_signTypedData_v4", hl_order_typed_data(mainnet=True), True),
    (
        "HL user action EIP-712 (withdraw3)",
        EVM,
        "eth_signTypedData_v4",
        hl_user_action_typed_data("withdraw3"),
        True,
    ),
    (
        "HL usdSend to any account denied",
        EVM,
        "eth_signTypedData_v4",
        hl_user_action_typed_data("usdSend"),
        False,
    ),
    (
        "HL user action EIP-712 (usdClassTransfer)",
        EVM,
        "eth_signTypedData_v4",
        hl_user_action_typed_data("usdClassTransfer"),
        True,
    ),
    ("random address denied", EVM, "eth_sendTransaction", evm_tx(RANDOM_ADDRESS), False),
    ("ETH value > 0 denied", EVM, "eth_sendTransaction", evm_tx(BRIDGE, value=1), False),
    ("over-cap deposit denied", EVM, "eth_sendTransaction", deposit(CAP + 1), False),
    (
        "USDC transfer to a random address denied",
        EVM,
        "eth_sendTransaction",
        deposit(10**6, recipient=RANDOM_ADDRESS),
        False,
    ),
    ("personal_sign denied (no ALLOW)", EVM, "personal_sign", {"message": "hi", "encoding": "utf-8"}, False),
    (
        "Solana: small SOL transfer allowed",
        SOLANA,
        "signAndSendTransaction",
        solana_tx(compute_limit(), sol_transfer(10**8)),
        True,
    ),
    (
        "Solana: SOL over cap denied",
        SOLANA,
        "signAndSendTransaction",
        solana_tx(sol_transfer(10 * 10**9 + 1)),
        False,
    ),
    (
        "Solana: USDC TransferChecked allowed",
        SOLANA,
        "signTransaction",
        solana_tx(transfer_checked(10**6)),
        True,
    ),
    ("Solana: SPL over cap denied", SOLANA, "signTransaction", solana_tx(transfer_checked(CAP + 1)), False),
    (
        "Solana: unknown program denied",
        SOLANA,
        "signTransaction",
        solana_tx(program_call(Keypair().pubkey())),
        False,
    ),
]


@pytest.mark.parametrize(
    ("body", "method", "params", "allowed"), [c[1:] for c in MATRIX], ids=[c[0] for c in MATRIX]
)
def test_verification_matrix(body: dict, method: str, params: dict, allowed: bool) -> None:
    decision = evaluate(body, method, params)
    assert decision.allowed is allowed, decision.reason
