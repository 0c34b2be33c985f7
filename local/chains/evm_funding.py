"""Credit accounts on the local chain: ETH via ``anvil_setBalance``, USDC minted by the faucet."""

from __future__ import annotations

from hexbytes import HexBytes
from web3 import Web3

from local.chains.dev_accounts import FAUCET, DevAccount
from local.chains.evm_deploy import EvmDeployment, rpc, send_transaction


def fund_eth(rpc_url: str, address: str, wei: int) -> int:
    """Add ``wei`` to ``address``'s ETH balance (no transaction); returns the new balance."""
    if wei < 0:
        raise ValueError("wei must be >= 0")
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
    account = Web3.to_checksum_address(address)
    balance = w3.eth.get_balance(account) + wei
    rpc(w3, "anvil_setBalance", [account, hex(balance)])
    return balance


def mint_usdc(
    deployment: EvmDeployment, address: str, amount_base_units: int, minter: DevAccount = FAUCET
) -> HexBytes:
    """Mint USDC (6 decimals: 1 USDC = 1_000_000) to ``address``; returns the transaction hash."""
    if amount_base_units <= 0:
        raise ValueError("amount must be > 0")
    w3 = deployment.web3()
    data = deployment.usdc(w3).encode_abi("mint", args=[Web3.to_checksum_address(address), amount_base_units])
    receipt = send_transaction(w3, minter, {"to": deployment.usdc_address, "data": data})
    return HexBytes(receipt["transactionHash"])


def usdc_balance(deployment: EvmDeployment, address: str) -> int:
    """USDC balance in base units."""
    return int(deployment.usdc().functions.balanceOf(Web3.to_checksum_address(address)).call())
