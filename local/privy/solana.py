"""Solana rpc methods with the wallet's real ed25519 key (solders), in Privy's answer shapes.

``signTransaction`` fills the wallet's own signature slot of a base64 wire transaction (legacy or
v0) and leaves every other slot as it came, so a transaction assembled with a null signature for
the fee payer (the wallet) comes back ready to send.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import requests
from solders.keypair import Keypair
from solders.message import to_bytes_versioned
from solders.transaction import VersionedTransaction

from local.privy.errors import PrivyError, invalid


def _b64(params: dict[str, Any], field: str) -> bytes:
    if params.get("encoding") != "base64":
        raise invalid("params.encoding must be 'base64'")
    value = params.get(field)
    if not isinstance(value, str):
        raise invalid(f"params.{field} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise invalid(f"params.{field} is not valid base64") from exc


def sign_transaction(keypair: Keypair, params: dict[str, Any]) -> str:
    raw = _b64(params, "transaction")
    try:
        tx = VersionedTransaction.from_bytes(raw)
    except Exception as exc:  # solders raises its own error types for malformed wire bytes
        raise invalid(f"params.transaction is not a Solana transaction: {exc}") from exc
    message = tx.message
    signers = list(message.account_keys)[: message.header.num_required_signatures]
    if keypair.pubkey() not in signers:
        raise invalid(f"this wallet ({keypair.pubkey()}) is not a required signer of the transaction")
    signatures = list(tx.signatures)
    signatures[signers.index(keypair.pubkey())] = keypair.sign_message(to_bytes_versioned(message))
    return base64.b64encode(bytes(VersionedTransaction.populate(message, signatures))).decode("ascii")


def sign_message(keypair: Keypair, params: dict[str, Any]) -> str:
    return base64.b64encode(bytes(keypair.sign_message(_b64(params, "message")))).decode("ascii")


def send_transaction(rpc_url: str | None, signed_b64: str, timeout: float = 10.0) -> str:
    """Broadcast with JSON-RPC ``sendTransaction`` (base64); the transaction signature."""
    if not rpc_url:
        raise PrivyError(
            400, "transaction_broadcast_failure", "no Solana RPC is configured for this emulator"
        )
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "sendTransaction",
        "params": [signed_b64, {"encoding": "base64", "preflightCommitment": "confirmed"}],
    }
    try:
        answer = requests.post(rpc_url, json=body, timeout=timeout).json()
    except (requests.RequestException, ValueError) as exc:
        raise PrivyError(
            502, "transaction_broadcast_failure", f"Solana RPC sendTransaction failed: {exc}"
        ) from exc
    if "error" in answer or not isinstance(answer.get("result"), str):
        raise PrivyError(
            400, "transaction_broadcast_failure", f"Solana RPC sendTransaction: {answer.get('error')}"
        )
    return str(answer["result"])
