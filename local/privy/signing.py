"""Signing with the wallets' real keys, so signatures verify on the local chains and venues."""

from __future__ import annotations

import base64
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_account.signers.local import LocalAccount
from solders.keypair import Keypair
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction

DOMAIN_FIELDS = (("name", "string"), ("version", "string"), ("chainId", "uint256"),
                 ("verifyingContract", "address"), ("salt", "bytes32"))

# Privy's transaction fields (snake case) -> eth_account's
TX_FIELDS = {"to": "to", "value": "value", "data": "data", "chain_id": "chainId", "nonce": "nonce",
             "gas_limit": "gas", "gas_price": "gasPrice", "max_fee_per_gas": "maxFeePerGas",
             "max_priority_fee_per_gas": "maxPriorityFeePerGas", "type": "type"}
QUANTITIES = {"value", "chainId", "nonce", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "type"}


class SigningRequestError(ValueError):
    """The rpc params cannot be signed as given (answered 400)."""


def _quantity(value: Any) -> int:
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text, 16) if text.startswith("0x") else int(text)


def sign_typed_data(account: LocalAccount, typed_data: dict[str, Any]) -> str:
    try:
        types = dict(typed_data["types"])
        domain = dict(typed_data["domain"])
        primary = typed_data.get("primary_type") or typed_data["primaryType"]
        if "EIP712Domain" not in types:
            types["EIP712Domain"] = [{"name": n, "type": t} for n, t in DOMAIN_FIELDS if n in domain]
        message = encode_typed_data(full_message={"types": types, "primaryType": primary, "domain": domain,
                                                  "message": typed_data["message"]})
    except (KeyError, TypeError, ValueError) as exc:
        raise SigningRequestError(f"invalid typed_data: {exc}") from exc
    return "0x" + account.sign_message(message).signature.hex().removeprefix("0x")


def to_eth_account_tx(transaction: dict[str, Any]) -> dict[str, Any]:
    tx: dict[str, Any] = {}
    for field, value in transaction.items():
        if field in TX_FIELDS and value is not None:
            name = TX_FIELDS[field]
            tx[name] = _quantity(value) if name in QUANTITIES else value
    if "chainId" not in tx or "nonce" not in tx or "gas" not in tx:
        raise SigningRequestError("transaction needs chain_id, nonce and gas_limit")
    tx.setdefault("value", 0)
    if "gasPrice" not in tx and "maxFeePerGas" not in tx:
        raise SigningRequestError("transaction needs gas_price or max_fee_per_gas")
    return tx


def sign_transaction(account: LocalAccount, transaction: dict[str, Any]) -> tuple[str, str]:
    """(raw signed transaction, transaction hash), both 0x hex."""
    try:
        signed = account.sign_transaction(to_eth_account_tx(transaction))
    except (TypeError, ValueError) as exc:
        raise SigningRequestError(f"cannot sign transaction: {exc}") from exc
    return "0x" + signed.raw_transaction.hex().removeprefix("0x"), "0x" + signed.hash.hex().removeprefix("0x")


def personal_sign(account: LocalAccount, message: str, encoding: str) -> str:
    data = bytes.fromhex(message.removeprefix("0x")) if encoding == "hex" else message.encode()
    return "0x" + account.sign_message(encode_defunct(primitive=data)).signature.hex().removeprefix("0x")


def _decode_solana(raw: bytes) -> VersionedTransaction | Transaction:
    try:
        return VersionedTransaction.from_bytes(raw)
    except ValueError:
        try:
            return Transaction.from_bytes(raw)
        except ValueError as exc:
            raise SigningRequestError(f"not a Solana transaction: {exc}") from exc


def sign_solana_transaction(keypair: Keypair, transaction_b64: str) -> tuple[str, str]:
    """Fill this wallet's signature slot. Returns (signed transaction base64, first signature)."""
    try:
        raw = base64.b64decode(transaction_b64, validate=True)
    except ValueError as exc:
        raise SigningRequestError("transaction must be base64") from exc
    tx = _decode_solana(raw)
    message = tx.message
    signers = list(message.account_keys[: message.header.num_required_signatures])
    if keypair.pubkey() not in signers:
        raise SigningRequestError(f"wallet {keypair.pubkey()} is not a required signer of this transaction")
    signatures = list(tx.signatures)
    index = signers.index(keypair.pubkey())
    payload = bytes(message) if isinstance(tx, Transaction) else _versioned_message_bytes(tx)
    signatures[index] = keypair.sign_message(payload)
    if isinstance(tx, Transaction):
        signed: VersionedTransaction | Transaction = Transaction.populate(message, signatures)
    else:
        signed = VersionedTransaction.populate(message, signatures)
    return base64.b64encode(bytes(signed)).decode(), str(signatures[0])


def _versioned_message_bytes(tx: VersionedTransaction) -> bytes:
    from solders.message import to_bytes_versioned

    return bytes(to_bytes_versioned(tx.message))


def sign_solana_message(keypair: Keypair, message_b64: str) -> str:
    signature: Signature = keypair.sign_message(base64.b64decode(message_b64))
    return base64.b64encode(bytes(signature)).decode()


def new_evm_account() -> LocalAccount:
    return Account.create()
