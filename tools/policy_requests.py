"""Real rpc params for policy checks: ERC-20 calldata, the Hyperliquid SDK's own EIP-712 payloads
and solders-built Solana transactions, shaped as privy-client sends them. Used by the operator's
verification matrix (against Privy) and by the evaluator's tests (locally)."""

from __future__ import annotations

import base64
from typing import Any

from eth_abi import encode
from eth_utils import keccak
from hyperliquid.utils.signing import (
    USD_CLASS_TRANSFER_SIGN_TYPES,
    USD_SEND_SIGN_TYPES,
    WITHDRAW_SIGN_TYPES,
    l1_payload,
    user_signed_payload,
)
from solders.compute_budget import set_compute_unit_limit
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from basis.chains import arbitrum, solana
from basis.chains.hyperliquid import SIGNATURE_CHAIN_ID_HEX
from basis.policies.settings import PolicySettings

DEFAULTS = PolicySettings()
USDC = DEFAULTS.arbitrum_usdc_address
BRIDGE = DEFAULTS.hyperliquid_bridge_address
RANDOM_ADDRESS = "0x1111111111111111111111111111111111111111"
TOKEN_PROGRAM = Pubkey.from_string(solana.TOKEN_PROGRAM)
USDC_MINT = Pubkey.from_string(DEFAULTS.solana_usdc_mint)


def erc20_transfer_data(to: str, amount: int) -> str:
    selector = keccak(text="transfer(address,uint256)")[:4]
    return "0x" + (selector + encode(["address", "uint256"], [to, amount])).hex()


def evm_tx(to: str | None, data: str | None = None, value: int | str = 0, **extra: Any) -> dict[str, Any]:
    tx: dict[str, Any] = {"chain_id": arbitrum.CHAIN_ID, "value": value, **extra}
    if to is not None:
        tx["to"] = to
    if data is not None:
        tx["data"] = data
    return {"transaction": tx}


def deposit(amount_base: int, to: str = USDC, recipient: str = BRIDGE, value: int = 0) -> dict[str, Any]:
    return evm_tx(to, erc20_transfer_data(recipient, amount_base), value)


def _privy_typed_data(payload: dict[str, Any]) -> dict[str, Any]:
    """The SDK's EIP-712 payload in Privy's rpc shape (``primary_type``, snake case)."""
    return {
        "typed_data": {
            "domain": payload["domain"],
            "types": payload["types"],
            "message": payload["message"],
            "primary_type": payload["primaryType"],
        }
    }


def hl_order_typed_data(mainnet: bool = False) -> dict[str, Any]:
    agent = {"source": "a" if mainnet else "b", "connectionId": "0x" + "ab" * 32}
    return _privy_typed_data(l1_payload(agent))


_USER_ACTIONS = {
    "withdraw3": (
        WITHDRAW_SIGN_TYPES,
        "HyperliquidTransaction:Withdraw",
        {"type": "withdraw3", "destination": RANDOM_ADDRESS, "amount": "10", "time": 1},
    ),
    "usdSend": (
        USD_SEND_SIGN_TYPES,
        "HyperliquidTransaction:UsdSend",
        {"type": "usdSend", "destination": RANDOM_ADDRESS, "amount": "10", "time": 1},
    ),
    "usdClassTransfer": (
        USD_CLASS_TRANSFER_SIGN_TYPES,
        "HyperliquidTransaction:UsdClassTransfer",
        {"type": "usdClassTransfer", "amount": "10", "toPerp": True, "nonce": 1},
    ),
}


def hl_user_action_typed_data(action: str, mainnet: bool = False, **fields: Any) -> dict[str, Any]:
    """``fields`` replace the action's defaults (e.g. withdraw3's ``destination``)."""
    types, primary, message = _USER_ACTIONS[action]
    message = {
        **message,
        **fields,
        "signatureChainId": SIGNATURE_CHAIN_ID_HEX,
        "hyperliquidChain": "Mainnet" if mainnet else "Testnet",
    }
    return _privy_typed_data(user_signed_payload(primary, types, message))


def transfer_checked(
    amount: int, signer: Pubkey, decimals: int = 6, program: Pubkey = TOKEN_PROGRAM
) -> Instruction:
    source, destination = Keypair().pubkey(), Keypair().pubkey()
    data = bytes([12]) + amount.to_bytes(8, "little") + bytes([decimals])
    accounts = [
        AccountMeta(source, False, True),
        AccountMeta(USDC_MINT, False, False),
        AccountMeta(destination, False, True),
        AccountMeta(signer, True, False),
    ]
    return Instruction(program, data, accounts)


def token_transfer(amount: int, signer: Pubkey) -> Instruction:
    accounts = [
        AccountMeta(Keypair().pubkey(), False, True),
        AccountMeta(Keypair().pubkey(), False, True),
        AccountMeta(signer, True, False),
    ]
    return Instruction(TOKEN_PROGRAM, bytes([3]) + amount.to_bytes(8, "little"), accounts)


def sol_transfer(lamports: int, signer: Pubkey) -> Instruction:
    return transfer(TransferParams(from_pubkey=signer, to_pubkey=Keypair().pubkey(), lamports=lamports))


def compute_limit() -> Instruction:
    return set_compute_unit_limit(200_000)


def program_call(program: Pubkey, signer: Pubkey) -> Instruction:
    return Instruction(program, b"\x01\x02", [AccountMeta(signer, True, True)])


def solana_tx(*instructions: Instruction, payer: Pubkey) -> dict[str, Any]:
    """An unsigned legacy transaction, base64, as privy-client's signTransaction sends it."""
    message = Message.new_with_blockhash(list(instructions), payer, Hash.default())
    raw = bytes(Transaction.new_unsigned(message))
    return {"transaction": base64.b64encode(raw).decode(), "encoding": "base64"}
