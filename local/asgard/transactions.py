"""The Solana transactions the Asgard simulator asks a wallet to sign. Only programs the product's
Solana policy allows (SPL Token, ATA, Memo): the collateral moves to the simulator's vault on open,
the equity moves back from it on close (the vault signs its part before the user sees it)."""

from __future__ import annotations

import base64

from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from local.chains import solana_spl as spl

MEMO_PROGRAM = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")


def memo(text: str) -> Instruction:
    return Instruction(MEMO_PROGRAM, text.encode(), [])


def open_message(
    owner: Pubkey,
    source: Pubkey,
    vault_token: Pubkey,
    mint: Pubkey,
    amount: int,
    decimals: int,
    pda: str,
    blockhash: Hash,
) -> Message:
    transfer = spl.transfer_checked(source, mint, vault_token, owner, amount, decimals)
    return Message.new_with_blockhash([transfer, memo(f"asgard:open:{pda}")], owner, blockhash)


def close_message(
    owner: Pubkey,
    vault: Pubkey,
    vault_token: Pubkey,
    destination: Pubkey | None,
    mint: Pubkey,
    amount: int,
    decimals: int,
    pda: str,
    blockhash: Hash,
) -> Message:
    """``destination`` None: the owner has no token account for ``mint``; its ATA is created."""
    instructions = []
    if amount > 0:
        if destination is None:
            destination = spl.associated_token_address(owner, mint)
            instructions.append(spl.create_ata_idempotent(owner, owner, mint))
        instructions.append(spl.transfer_checked(vault_token, mint, destination, vault, amount, decimals))
    instructions.append(memo(f"asgard:close:{pda}"))
    return Message.new_with_blockhash(instructions, owner, blockhash)


def partially_signed(message: Message, *keypairs: Keypair) -> str:
    """Base64 wire transaction: ``keypairs`` sign, every other slot (the owner's) is left empty."""
    signers = list(message.account_keys)[: message.header.num_required_signatures]
    signatures = [Signature.default()] * len(signers)
    for keypair in keypairs:
        signatures[signers.index(keypair.pubkey())] = keypair.sign_message(to_bytes_versioned(message))
    return base64.b64encode(bytes(VersionedTransaction.populate(message, signatures))).decode("ascii")


def decode(signed_b64: str) -> VersionedTransaction:
    try:
        return VersionedTransaction.from_bytes(base64.b64decode(signed_b64, validate=True))
    except Exception as exc:  # binascii / solders errors: the caller answers 400
        raise ValueError(f"not a base64 Solana transaction: {exc}") from exc
