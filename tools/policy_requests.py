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
from solders.system_program import (
    AssignParams,
    CreateAccountAllowPrefundParams,
    CreateAccountParams,
    CreateAccountWithSeedParams,
    TransferParams,
    TransferWithSeedParams,
    WithdrawNonceAccountParams,
    assign,
    create_account,
    create_account_allow_prefund,
    create_account_with_seed,
    transfer,
    transfer_with_seed,
    withdraw_nonce_account,
)
from solders.transaction import Transaction

from basis.chains import arbitrum, solana
from basis.chains.hyperliquid import SIGNATURE_CHAIN_ID_HEX
from basis.policies.settings import PolicySettings

DEFAULTS = PolicySettings()
USDC = DEFAULTS.arbitrum_usdc_address
BRIDGE = DEFAULTS.hyperliquid_bridge_address
RANDOM_ADDRESS = "0x1111111111111111111111111111111111111111"
TOKEN_PROGRAM = Pubkey.from_string(solana.TOKEN_PROGRAM)
TOKEN_2022_PROGRAM = Pubkey.from_string(solana.TOKEN_2022_PROGRAM)
ASSOCIATED_TOKEN_PROGRAM = Pubkey.from_string(solana.ASSOCIATED_TOKEN_PROGRAM)
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


def _anyone() -> Pubkey:
    return Keypair().pubkey()


def _token_instruction(program: Pubkey, data: bytes, signer: Pubkey, *accounts: Pubkey) -> Instruction:
    metas = [AccountMeta(account, False, True) for account in accounts]
    return Instruction(program, data, [*metas, AccountMeta(signer, True, False)])


def transfer_checked(
    amount: int,
    signer: Pubkey,
    decimals: int = 6,
    program: Pubkey = TOKEN_PROGRAM,
    destination: Pubkey | None = None,
) -> Instruction:
    data = bytes([12]) + amount.to_bytes(8, "little") + bytes([decimals])
    accounts = [
        AccountMeta(_anyone(), False, True),
        AccountMeta(USDC_MINT, False, False),
        AccountMeta(destination or _anyone(), False, True),
        AccountMeta(signer, True, False),
    ]
    return Instruction(program, data, accounts)


def token_transfer(amount: int, signer: Pubkey) -> Instruction:
    data = bytes([3]) + amount.to_bytes(8, "little")
    return _token_instruction(TOKEN_PROGRAM, data, signer, _anyone(), _anyone())


def approve(amount: int, signer: Pubkey, program: Pubkey = TOKEN_PROGRAM) -> Instruction:
    """SPL ``Approve``: a delegate may then spend ``amount`` of the signer's tokens."""
    return _token_instruction(
        program, bytes([4]) + amount.to_bytes(8, "little"), signer, _anyone(), _anyone()
    )


def approve_checked(amount: int, signer: Pubkey, program: Pubkey = TOKEN_PROGRAM) -> Instruction:
    data = bytes([13]) + amount.to_bytes(8, "little") + bytes([6])
    return _token_instruction(program, data, signer, _anyone(), USDC_MINT, _anyone())


def set_authority(signer: Pubkey, program: Pubkey = TOKEN_PROGRAM) -> Instruction:
    """SPL ``SetAuthority``: the account's owner (authority type 2) becomes someone else."""
    data = bytes([6, 2, 1]) + bytes(_anyone())
    return _token_instruction(program, data, signer, _anyone())


def close_account(destination: Pubkey, signer: Pubkey, program: Pubkey = TOKEN_PROGRAM) -> Instruction:
    """SPL ``CloseAccount``: the closed account's lamports go to ``destination``."""
    return _token_instruction(program, bytes([9]), signer, _anyone(), destination)


def transfer_checked_with_fee(amount: int, signer: Pubkey) -> Instruction:
    """Token-2022's ``TransferFeeExtension`` / ``TransferCheckedWithFee`` (tag 26, sub-tag 1)."""
    data = bytes([26, 1]) + amount.to_bytes(8, "little") + bytes([6]) + (0).to_bytes(8, "little")
    return _token_instruction(TOKEN_2022_PROGRAM, data, signer, _anyone(), USDC_MINT, _anyone())


def create_ata(payer: Pubkey, owner: Pubkey) -> Instruction:
    """The ATA program's ``CreateIdempotent`` for ``owner``'s USDC account."""
    from solders.system_program import ID as SYSTEM_PROGRAM_ID
    from solders.token.associated import get_associated_token_address

    accounts = [
        AccountMeta(payer, True, True),
        AccountMeta(get_associated_token_address(owner, USDC_MINT), False, True),
        AccountMeta(owner, False, False),
        AccountMeta(USDC_MINT, False, False),
        AccountMeta(SYSTEM_PROGRAM_ID, False, False),
        AccountMeta(TOKEN_PROGRAM, False, False),
    ]
    return Instruction(ASSOCIATED_TOKEN_PROGRAM, bytes([1]), accounts)


def sol_transfer(lamports: int, signer: Pubkey) -> Instruction:
    return transfer(TransferParams(from_pubkey=signer, to_pubkey=_anyone(), lamports=lamports))


def create_account_ix(lamports: int, signer: Pubkey) -> Instruction:
    """System ``CreateAccount`` funded by ``signer`` (165 bytes, owned by the Token program)."""
    params = CreateAccountParams(
        from_pubkey=signer, to_pubkey=_anyone(), lamports=lamports, space=165, owner=TOKEN_PROGRAM
    )
    return create_account(params)


def create_account_with_seed_ix(lamports: int, signer: Pubkey) -> Instruction:
    params = CreateAccountWithSeedParams(
        from_pubkey=signer,
        to_pubkey=Pubkey.create_with_seed(signer, "wsol", TOKEN_PROGRAM),
        base=signer,
        seed="wsol",
        lamports=lamports,
        space=165,
        owner=TOKEN_PROGRAM,
    )
    return create_account_with_seed(params)


def create_account_allow_prefund_ix(lamports: int, signer: Pubkey) -> Instruction:
    params = CreateAccountAllowPrefundParams(
        new_account=_anyone(), payer=signer, lamports=lamports, space=165, owner=TOKEN_PROGRAM
    )
    return create_account_allow_prefund(params)


def transfer_with_seed_ix(lamports: int, signer: Pubkey) -> Instruction:
    """System ``TransferWithSeed`` from the account ``signer`` derives with seed ``"vault"``."""
    params = TransferWithSeedParams(
        from_pubkey=Pubkey.create_with_seed(signer, "vault", TOKEN_PROGRAM),
        from_base=signer,
        from_seed="vault",
        from_owner=TOKEN_PROGRAM,
        to_pubkey=_anyone(),
        lamports=lamports,
    )
    return transfer_with_seed(params)


def withdraw_nonce_ix(lamports: int, signer: Pubkey) -> Instruction:
    params = WithdrawNonceAccountParams(
        nonce_pubkey=_anyone(), authorized_pubkey=signer, to_pubkey=_anyone(), lamports=lamports
    )
    return withdraw_nonce_account(params)


def assign_ix(signer: Pubkey) -> Instruction:
    """System ``Assign``: the signer's own account is given to another program."""
    return assign(AssignParams(pubkey=signer, owner=_anyone()))


def compute_limit() -> Instruction:
    return set_compute_unit_limit(200_000)


def program_call(program: Pubkey, signer: Pubkey) -> Instruction:
    return Instruction(program, b"\x01\x02", [AccountMeta(signer, True, True)])


def solana_tx(*instructions: Instruction, payer: Pubkey) -> dict[str, Any]:
    """An unsigned legacy transaction, base64, as privy-client's signTransaction sends it."""
    message = Message.new_with_blockhash(list(instructions), payer, Hash.default())
    raw = bytes(Transaction.new_unsigned(message))
    return {"transaction": base64.b64encode(raw).decode(), "encoding": "base64"}
