"""Accounts and transactions in the Solana JSON-RPC's answer shapes."""

from __future__ import annotations

from typing import Any

from solders.account import Account
from solders.hash import Hash
from solders.message import Message, MessageV0
from solders.transaction import VersionedTransaction

from local.chains import solana_spl as spl
from local.chains.solana_codec import b58encode, encode_data
from local.chains.solana_ledger import LandedTransaction, SolanaLedger

ENCODINGS = (None, "base58", "base64", "jsonParsed")


def account_json(ledger: SolanaLedger, account: Account, encoding: str | None) -> dict[str, Any]:
    """``{"data", "executable", "lamports", "owner", "rentEpoch", "space"}``; ``jsonParsed`` parses SPL
    token accounts and mints and falls back to base64 for anything else, as the RPC does."""
    data: Any = None
    if encoding == "jsonParsed":
        data = _parsed(ledger, account)
    if data is None:
        data = encode_data(bytes(account.data), "base64" if encoding == "jsonParsed" else encoding)
    return {
        "data": data,
        "executable": account.executable,
        "lamports": account.lamports,
        "owner": str(account.owner),
        "rentEpoch": account.rent_epoch,
        "space": len(account.data),
    }


def _parsed(ledger: SolanaLedger, account: Account) -> dict[str, Any] | None:
    program = spl.TOKEN_PROGRAMS.get(account.owner)
    if program is None:
        return None
    state = spl.parse_token_account(account)
    if state is not None:
        decimals = ledger.decimals(state.mint)
        if decimals is None:
            return None
        parsed = {"info": spl.parsed_token_account(state, decimals), "type": "account"}
    elif (mint := spl.parse_mint(account)) is not None:
        parsed = {"info": spl.parsed_mint(mint), "type": "mint"}
    else:
        return None
    return {"program": program, "parsed": parsed, "space": len(account.data)}


def with_blockhash(tx: VersionedTransaction, blockhash: Hash) -> VersionedTransaction:
    """``tx`` with its recent blockhash replaced (``replaceRecentBlockhash``); signatures kept."""
    msg = tx.message
    if isinstance(msg, MessageV0):
        new: Message | MessageV0 = MessageV0(
            msg.header, msg.account_keys, blockhash, msg.instructions, msg.address_table_lookups
        )
    else:
        header = msg.header
        new = Message.new_with_compiled_instructions(
            header.num_required_signatures,
            header.num_readonly_signed_accounts,
            header.num_readonly_unsigned_accounts,
            msg.account_keys,
            blockhash,
            msg.instructions,
        )
    return VersionedTransaction.populate(new, tx.signatures)


def transaction_json(tx: VersionedTransaction) -> dict[str, Any]:
    msg = tx.message
    header = msg.header
    message: dict[str, Any] = {
        "accountKeys": [str(k) for k in msg.account_keys],
        "header": {
            "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
            "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
            "numRequiredSignatures": header.num_required_signatures,
        },
        "instructions": [
            {
                "accounts": list(ix.accounts),
                "data": b58encode(bytes(ix.data)),
                "programIdIndex": ix.program_id_index,
                "stackHeight": None,
            }
            for ix in msg.instructions
        ],
        "recentBlockhash": str(msg.recent_blockhash),
    }
    if isinstance(msg, MessageV0):
        message["addressTableLookups"] = [
            {
                "accountKey": str(lookup.account_key),
                "readonlyIndexes": list(lookup.readonly_indexes),
                "writableIndexes": list(lookup.writable_indexes),
            }
            for lookup in msg.address_table_lookups
        ]
    return {"message": message, "signatures": [str(s) for s in tx.signatures]}


def is_v0(tx: VersionedTransaction) -> bool:
    return isinstance(tx.message, MessageV0)


def landed_json(record: LandedTransaction, encoding: str) -> dict[str, Any]:
    """A ``getTransaction`` result (``json``, ``base64``, ``base58``; ``jsonParsed`` answers as ``json``)."""
    tx: Any = (
        encode_data(bytes(record.transaction), encoding)
        if encoding in ("base64", "base58")
        else transaction_json(record.transaction)
    )
    meta = {
        "computeUnitsConsumed": record.units,
        "err": record.err,
        "fee": record.fee,
        "innerInstructions": [],
        "loadedAddresses": {"readonly": [], "writable": []},
        "logMessages": record.logs,
        "postBalances": record.post_balances,
        "postTokenBalances": record.post_token_balances,
        "preBalances": record.pre_balances,
        "preTokenBalances": record.pre_token_balances,
        "rewards": [],
        "status": {"Ok": None} if record.err is None else {"Err": record.err},
    }
    return {
        "blockTime": record.block_time,
        "meta": meta,
        "slot": record.slot,
        "transaction": tx,
        "version": 0 if is_v0(record.transaction) else "legacy",
    }


def signature_status(record: LandedTransaction | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "confirmationStatus": "finalized",
        "confirmations": None,
        "err": record.err,
        "slot": record.slot,
        "status": {"Ok": None} if record.err is None else {"Err": record.err},
    }
