"""Wire encodings the Solana JSON-RPC uses: base58, base64 transactions, token amounts, errors."""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal
from typing import Any

from solders.transaction import VersionedTransaction

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58_ALPHABET)}


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(B58_ALPHABET[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError(f"invalid base58 character {char!r}")
        number = number * 58 + _B58_INDEX[char]
    pad = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * pad + body


def decode_transaction(text: Any, encoding: str) -> VersionedTransaction:
    """A wire transaction (legacy or v0) sent as ``base58`` (the RPC default) or ``base64``."""
    if not isinstance(text, str):
        raise ValueError("the transaction must be a string")
    try:
        if encoding == "base64":
            raw = base64.b64decode(text, validate=True)
        elif encoding == "base58":
            raw = b58decode(text)
        else:
            raise ValueError(f"unsupported encoding: {encoding}. Supported encodings: base58, base64")
    except binascii.Error as exc:
        raise ValueError(f"invalid {encoding} encoding: {exc}") from exc
    try:
        return VersionedTransaction.from_bytes(raw)
    except Exception as exc:  # solders raises its own types for malformed wire bytes
        raise ValueError(f"failed to deserialize VersionedTransaction: {exc}") from exc


def encode_data(data: bytes, encoding: str | None) -> Any:
    """Account or transaction bytes as the RPC answers them (``None`` is the legacy ``binary``)."""
    if encoding is None:
        return b58encode(data)
    if encoding == "base58":
        return [b58encode(data), "base58"]
    return [base64.b64encode(data).decode("ascii"), "base64"]


def ui_token_amount(amount: int, decimals: int) -> dict[str, Any]:
    """``{"amount", "decimals", "uiAmount", "uiAmountString"}`` as the RPC formats a token amount."""
    value = Decimal(amount).scaleb(-decimals)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return {"amount": str(amount), "decimals": decimals, "uiAmount": float(value), "uiAmountString": text}


def failure_json(failed: Any) -> Any:
    """A ``FailedTransactionMetadata``'s error as the RPC's JSON (``"BlockhashNotFound"``,
    ``{"InstructionError": [0, {"Custom": 1}]}``), by way of its serde form."""
    return json.loads(failed.to_json())["err"]


_MESSAGES = {
    "AccountNotFound": "Attempt to debit an account but found no record of a prior credit.",
    "AlreadyProcessed": "This transaction has already been processed",
    "BlockhashNotFound": "Blockhash not found",
    "InsufficientFundsForFee": "Insufficient funds for fee",
    "SignatureFailure": "Transaction did not pass signature verification",
    "InvalidAccountForFee": "This account may not be used to pay transaction fees",
}


def error_message(err: Any) -> str:
    """The human text Solana prints for a transaction error (the common ones)."""
    if isinstance(err, str):
        return _MESSAGES.get(err, err)
    if isinstance(err, dict) and "InsufficientFundsForRent" in err:
        index = err["InsufficientFundsForRent"].get("account_index")
        return f"Transaction results in an account ({index}) with insufficient funds for rent"
    if isinstance(err, dict) and "InstructionError" in err:
        index, inner = err["InstructionError"]
        if isinstance(inner, dict) and "Custom" in inner:
            detail = f"custom program error: {hex(inner['Custom'])}"
        else:
            detail = str(inner)
        return f"Error processing Instruction {index}: {detail}"
    return json.dumps(err)
