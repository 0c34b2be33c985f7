"""SPL Token and Associated Token Account instructions the product builds (the programs' own wire
formats), and the address of an owner's token account. solders is imported by the caller's layer
(``chain``); the local chain's funding helpers build with these too."""

from __future__ import annotations

import struct

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.token.associated import get_associated_token_address

from basis.chains import solana

SYSTEM_PROGRAM_ID = Pubkey.from_string(solana.SYSTEM_PROGRAM)
TOKEN_PROGRAM_ID = Pubkey.from_string(solana.TOKEN_PROGRAM)
ASSOCIATED_TOKEN_PROGRAM_ID = Pubkey.from_string(solana.ASSOCIATED_TOKEN_PROGRAM)
_TRANSFER_CHECKED = 12
_CREATE_IDEMPOTENT = 1


def associated_token_address(owner: Pubkey, mint: Pubkey, program: Pubkey = TOKEN_PROGRAM_ID) -> Pubkey:
    return get_associated_token_address(owner, mint, program)


def create_ata_idempotent(
    payer: Pubkey, owner: Pubkey, mint: Pubkey, program: Pubkey = TOKEN_PROGRAM_ID
) -> Instruction:
    """The ATA program's ``CreateIdempotent``: creates ``owner``'s token account unless it exists."""
    accounts = [
        AccountMeta(payer, is_signer=True, is_writable=True),
        AccountMeta(associated_token_address(owner, mint, program), is_signer=False, is_writable=True),
        AccountMeta(owner, is_signer=False, is_writable=False),
        AccountMeta(mint, is_signer=False, is_writable=False),
        AccountMeta(SYSTEM_PROGRAM_ID, is_signer=False, is_writable=False),
        AccountMeta(program, is_signer=False, is_writable=False),
    ]
    return Instruction(ASSOCIATED_TOKEN_PROGRAM_ID, bytes([_CREATE_IDEMPOTENT]), accounts)


def transfer_checked(
    source: Pubkey,
    mint: Pubkey,
    destination: Pubkey,
    owner: Pubkey,
    amount: int,
    decimals: int,
    program: Pubkey = TOKEN_PROGRAM_ID,
) -> Instruction:
    accounts = [
        AccountMeta(source, is_signer=False, is_writable=True),
        AccountMeta(mint, is_signer=False, is_writable=False),
        AccountMeta(destination, is_signer=False, is_writable=True),
        AccountMeta(owner, is_signer=True, is_writable=False),
    ]
    return Instruction(program, struct.pack("<BQB", _TRANSFER_CHECKED, amount, decimals), accounts)
