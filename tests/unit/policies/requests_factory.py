"""The product's policy request builders (tools.policy_requests) bound to one test wallet."""

from __future__ import annotations

from typing import Any

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from tools import policy_requests as build
from tools.policy_requests import (  # noqa: F401 - re-exported for the tests
    BRIDGE,
    RANDOM_ADDRESS,
    USDC,
    compute_limit,
    deposit,
    erc20_transfer_data,
    evm_tx,
    hl_order_typed_data,
    hl_user_action_typed_data,
)

WALLET = Keypair()


def transfer_checked(amount: int, decimals: int = 6, program: Pubkey = build.TOKEN_PROGRAM) -> Instruction:
    return build.transfer_checked(amount, WALLET.pubkey(), decimals, program)


def token_transfer(amount: int) -> Instruction:
    return build.token_transfer(amount, WALLET.pubkey())


def sol_transfer(lamports: int) -> Instruction:
    return build.sol_transfer(lamports, WALLET.pubkey())


def program_call(program: Pubkey) -> Instruction:
    return build.program_call(program, WALLET.pubkey())


def solana_tx(*instructions: Instruction) -> dict[str, Any]:
    return build.solana_tx(*instructions, payer=WALLET.pubkey())
