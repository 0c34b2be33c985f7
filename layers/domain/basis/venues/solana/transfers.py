"""Transfers out of a Solana server wallet: SOL (System ``Transfer``) or USDC (``TransferChecked``
into the recipient's associated token account, created first, paid by the wallet, when missing).

``prepare`` checks what would fail on chain before anything is signed (``InsufficientFundsError``:
the asset, or the SOL for the fee and a new token account's rent) and returns the unsigned wire
transaction (base64, the wallet as fee payer) for Privy's ``signAndSendTransaction``.
"""

from __future__ import annotations

import base64

from solders.hash import Hash
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

from basis.chains.amounts import SOL_DECIMALS, USDC_DECIMALS, from_base_units
from basis.platform.errors import InsufficientFundsError
from basis.venues.solana.client import SolanaClient
from basis.venues.solana.instructions import associated_token_address, create_ata_idempotent, transfer_checked

SIGNATURE_FEE_LAMPORTS = 5_000
TOKEN_ACCOUNT_RENT_LAMPORTS = 2_039_280  # rent-exempt minimum of a 165-byte token account


def prepare(client: SolanaClient, wallet: str, asset: str, units: int, to: str, *, usdc_mint: str) -> str:
    owner, recipient = Pubkey.from_string(wallet), Pubkey.from_string(to)
    lamports_needed = SIGNATURE_FEE_LAMPORTS
    if asset == "SOL":
        instructions = [transfer(TransferParams(from_pubkey=owner, to_pubkey=recipient, lamports=units))]
        lamports_needed += units
    elif asset == "USDC":
        held = client.usdc_balance(wallet, usdc_mint)
        if held < units:
            raise InsufficientFundsError(
                f"wallet holds {from_base_units(held, USDC_DECIMALS)} USDC, "
                f"cannot send {from_base_units(units, USDC_DECIMALS)}"
            )
        mint = Pubkey.from_string(usdc_mint)
        destination = associated_token_address(recipient, mint)
        instructions = []
        if not client.account_exists(str(destination)):
            instructions.append(create_ata_idempotent(owner, recipient, mint))
            lamports_needed += TOKEN_ACCOUNT_RENT_LAMPORTS
        source = associated_token_address(owner, mint)
        instructions.append(transfer_checked(source, mint, destination, owner, units, USDC_DECIMALS))
    else:
        raise ValueError(f"no Solana transfer of {asset!r}")
    balance = client.sol_balance(wallet)
    if balance < lamports_needed:
        raise InsufficientFundsError(
            f"wallet holds {from_base_units(balance, SOL_DECIMALS)} SOL, needs "
            f"{from_base_units(lamports_needed, SOL_DECIMALS)} (amount, fee and any new token account)"
        )
    blockhash, _ = client.latest_blockhash()
    message = Message.new_with_blockhash(instructions, owner, Hash.from_string(blockhash))
    return base64.b64encode(bytes(Transaction.new_unsigned(message))).decode("ascii")
