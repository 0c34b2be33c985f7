"""SPL Token and Associated Token Account instructions and account parsing (what the local chain,
its funding helpers and tests need; the wire formats are the programs' own)."""

from __future__ import annotations

import struct
from typing import Any

from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.token import ID as TOKEN_PROGRAM_ID
from solders.token.state import Mint, TokenAccount, TokenAccountState

# The product builds these instructions (basis.venues.solana.instructions); re-exported for the
# local chain's funding helpers and the Asgard simulator.
from basis.venues.solana.instructions import ASSOCIATED_TOKEN_PROGRAM_ID as ASSOCIATED_TOKEN_PROGRAM_ID
from basis.venues.solana.instructions import associated_token_address as associated_token_address
from basis.venues.solana.instructions import create_ata_idempotent as create_ata_idempotent
from basis.venues.solana.instructions import transfer_checked as transfer_checked
from local.chains.solana_codec import ui_token_amount

TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
TOKEN_PROGRAMS = {TOKEN_PROGRAM_ID: "spl-token", TOKEN_2022_PROGRAM_ID: "spl-token-2022"}
MINT_LEN = 82
TOKEN_ACCOUNT_LEN = 165
_MINT_TO = 7


def mint_to(
    mint: Pubkey, destination: Pubkey, authority: Pubkey, amount: int, program: Pubkey = TOKEN_PROGRAM_ID
) -> Instruction:
    accounts = [
        AccountMeta(mint, is_signer=False, is_writable=True),
        AccountMeta(destination, is_signer=False, is_writable=True),
        AccountMeta(authority, is_signer=True, is_writable=False),
    ]
    return Instruction(program, struct.pack("<BQ", _MINT_TO, amount), accounts)


def mint_account(
    authority: Pubkey, decimals: int, lamports: int, supply: int = 0, freeze_authority: Pubkey | None = None
) -> Account:
    """An initialized mint account (for ``set_account`` at a fixed address)."""
    state = Mint(authority, supply, decimals, True, freeze_authority)
    return Account(lamports, bytes(state), TOKEN_PROGRAM_ID, False, 0)


def parse_token_account(account: Account | None) -> TokenAccount | None:
    """The token account state, or None when ``account`` is not an initialized SPL token account."""
    if account is None or account.owner not in TOKEN_PROGRAMS or len(account.data) < TOKEN_ACCOUNT_LEN:
        return None
    if len(account.data) > TOKEN_ACCOUNT_LEN and account.data[TOKEN_ACCOUNT_LEN] != 2:
        return None  # Token-2022: a longer account is a token account only with AccountType::Account
    try:
        state = TokenAccount.from_bytes(bytes(account.data[:TOKEN_ACCOUNT_LEN]))
    except Exception:  # solders raises its own error types
        return None
    return None if state.state == TokenAccountState.Uninitialized else state


def parse_mint(account: Account | None) -> Mint | None:
    if account is None or account.owner not in TOKEN_PROGRAMS or len(account.data) < MINT_LEN:
        return None
    if len(account.data) != MINT_LEN and (
        len(account.data) <= TOKEN_ACCOUNT_LEN or account.data[TOKEN_ACCOUNT_LEN] != 1
    ):
        return None  # Token-2022: a longer account is a mint only with AccountType::Mint
    try:
        mint = Mint.from_bytes(bytes(account.data[:MINT_LEN]))
    except Exception:  # solders raises its own error types
        return None
    return mint if mint.is_initialized else None


def _optional(key: Pubkey | None) -> str | None:
    return str(key) if key is not None else None


def parsed_token_account(state: TokenAccount, decimals: int) -> dict[str, Any]:
    """The ``info`` of a ``jsonParsed`` token account (``{"type": "account"}``)."""
    info: dict[str, Any] = {
        "isNative": state.is_native is not None,
        "mint": str(state.mint),
        "owner": str(state.owner),
        "state": "frozen" if state.state == TokenAccountState.Frozen else "initialized",
        "tokenAmount": ui_token_amount(state.amount, decimals),
    }
    if state.delegate is not None:
        info["delegate"] = str(state.delegate)
        info["delegatedAmount"] = ui_token_amount(state.delegated_amount, decimals)
    if state.close_authority is not None:
        info["closeAuthority"] = str(state.close_authority)
    return info


def parsed_mint(mint: Mint) -> dict[str, Any]:
    return {
        "decimals": mint.decimals,
        "freezeAuthority": _optional(mint.freeze_authority),
        "isInitialized": mint.is_initialized,
        "mintAuthority": _optional(mint.mint_authority),
        "supply": str(mint.supply),
    }
