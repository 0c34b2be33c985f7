"""The policy verification matrix (seed 1.6-1.8, plus the Solana cases the seed skipped).

Every case only *signs* (eth_signTransaction, eth_signTypedData_v4, Solana signTransaction):
verifying against a real Privy app never broadcasts anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from basis.chains import arbitrum
from basis.chains.amounts import lamports, usdc_base_units
from basis.policies.settings import PolicySettings
from tools import policy_requests as build

# What a signable EIP-1559 transaction needs besides to/value/data (Privy signs, nothing is sent).
SIGNABLE = {
    "chain_id": arbitrum.CHAIN_ID,
    "nonce": 0,
    "gas_limit": 100_000,
    "max_fee_per_gas": 10**9,
    "max_priority_fee_per_gas": 1,
    "type": 2,
}


@dataclass(frozen=True)
class Case:
    name: str
    chain: str  # "ethereum" | "solana"
    method: str
    params: dict[str, Any]
    allowed: bool


def _signable(params: dict[str, Any]) -> dict[str, Any]:
    return {"transaction": {**params["transaction"], **SIGNABLE}}


def matrix(settings: PolicySettings, solana_wallet: Pubkey) -> list[Case]:
    over_usdc = usdc_base_units(settings.max_usdc_per_tx) + 1
    over_sol = lamports(settings.max_sol_per_tx) + 1
    over_spl = usdc_base_units(settings.max_spl_per_tx) + 1
    usdc, bridge, random = (
        settings.arbitrum_usdc_address,
        settings.hyperliquid_bridge_address,
        build.RANDOM_ADDRESS,
    )

    def sol(*instructions: Any) -> dict[str, Any]:
        return build.solana_tx(*instructions, payer=solana_wallet)

    return [
        Case(
            "bridge deposit (USDC transfer to Bridge2)",
            "ethereum",
            "eth_signTransaction",
            _signable(build.deposit(usdc_base_units(100), to=usdc, recipient=bridge)),
            True,
        ),
        Case(
            "HL Exchange EIP-712 (order)",
            "ethereum",
            "eth_signTypedData_v4",
            build.hl_order_typed_data(mainnet=True),
            True,
        ),
        Case(
            "HL user action EIP-712 (withdraw3)",
            "ethereum",
            "eth_signTypedData_v4",
            build.hl_user_action_typed_data("withdraw3"),
            True,
        ),
        Case(
            "HL user action EIP-712 (usdClassTransfer)",
            "ethereum",
            "eth_signTypedData_v4",
            build.hl_user_action_typed_data("usdClassTransfer"),
            True,
        ),
        Case(
            "HL usdSend to any account denied",
            "ethereum",
            "eth_signTypedData_v4",
            build.hl_user_action_typed_data("usdSend"),
            False,
        ),
        Case(
            "random address denied", "ethereum", "eth_signTransaction", _signable(build.evm_tx(random)), False
        ),
        Case(
            "ETH value > 0 denied",
            "ethereum",
            "eth_signTransaction",
            _signable(build.evm_tx(bridge, value=1)),
            False,
        ),
        Case(
            "over-cap deposit denied",
            "ethereum",
            "eth_signTransaction",
            _signable(build.deposit(over_usdc, to=usdc, recipient=bridge)),
            False,
        ),
        Case(
            "USDC transfer to a random address denied",
            "ethereum",
            "eth_signTransaction",
            _signable(build.deposit(usdc_base_units(1), to=usdc, recipient=random)),
            False,
        ),
        Case(
            "personal_sign denied (no ALLOW)",
            "ethereum",
            "personal_sign",
            {"message": "hi", "encoding": "utf-8"},
            False,
        ),
        Case(
            "Solana: small SOL transfer allowed",
            "solana",
            "signTransaction",
            sol(build.compute_limit(), build.sol_transfer(lamports("0.1"), solana_wallet)),
            True,
        ),
        Case(
            "Solana: SOL over cap denied",
            "solana",
            "signTransaction",
            sol(build.sol_transfer(over_sol, solana_wallet)),
            False,
        ),
        Case(
            "Solana: USDC TransferChecked allowed",
            "solana",
            "signTransaction",
            sol(build.transfer_checked(usdc_base_units(1), solana_wallet)),
            True,
        ),
        Case(
            "Solana: SPL over cap denied",
            "solana",
            "signTransaction",
            sol(build.transfer_checked(over_spl, solana_wallet)),
            False,
        ),
        Case(
            "Solana: SPL Approve (delegation) denied",
            "solana",
            "signTransaction",
            sol(build.approve(usdc_base_units(1), solana_wallet)),
            False,
        ),
        Case(
            "Solana: Token-2022 SetAuthority denied",
            "solana",
            "signTransaction",
            sol(build.set_authority(solana_wallet, build.TOKEN_2022_PROGRAM)),
            False,
        ),
        Case(
            "Solana: System Assign of the wallet denied",
            "solana",
            "signTransaction",
            sol(build.assign_ix(solana_wallet)),
            False,
        ),
        Case(
            "Solana: unknown program denied",
            "solana",
            "signTransaction",
            sol(build.program_call(Keypair().pubkey(), solana_wallet)),
            False,
        ),
    ]
