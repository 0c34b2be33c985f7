"""Anvil's well-known development accounts (mnemonic "test test ... junk"), for the local chain only.

These keys are public knowledge and hold value only on a local anvil; never use them anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_account import Account
from eth_account.signers.local import LocalAccount


@dataclass(frozen=True)
class DevAccount:
    role: str
    address: str
    private_key: str = field(repr=False)

    def signer(self) -> LocalAccount:
        return Account.from_key(self.private_key)


# Deploys the contracts, owns USDC (the faucet: the only minter) and Bridge2.
FAUCET = DevAccount(
    "faucet",
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
)
# The Hyperliquid simulator's key: requests and finalizes Bridge2 withdrawals.
BRIDGE_OPERATOR = DevAccount(
    "bridge-operator",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
)
# Tops up users' server wallets with ETH for gas (the product's gas funder, locally).
GAS_FUNDER = DevAccount(
    "gas-funder",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
)
