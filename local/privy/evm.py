"""Ethereum rpc methods with the wallet's real secp256k1 key (eth_account), in Privy's answer shapes."""

from __future__ import annotations

from typing import Any

import requests
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

from local.privy.errors import PrivyError, invalid

EIP712_DOMAIN_FIELDS = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
)
# Privy's snake_case transaction fields -> eth_account's
_FIELDS = {
    "to": "to",
    "value": "value",
    "data": "data",
    "nonce": "nonce",
    "chain_id": "chainId",
    "gas_limit": "gas",
    "gas_price": "gasPrice",
    "max_fee_per_gas": "maxFeePerGas",
    "max_priority_fee_per_gas": "maxPriorityFeePerGas",
    "access_list": "accessList",
    "type": "type",
}
_QUANTITIES = {"value", "nonce", "chainId", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "type"}


def _quantity(name: str, raw: Any) -> int:
    if isinstance(raw, bool):
        raise invalid(f"transaction.{name} must be a quantity")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw, 16) if raw.lower().startswith("0x") else int(raw)
        except ValueError:
            pass
    raise invalid(f"transaction.{name} must be a non-negative integer or 0x hex, got {raw!r}")


def chain_id_of(caip2: str | None) -> int | None:
    if caip2 and caip2.startswith("eip155:") and caip2[7:].isdigit():
        return int(caip2[7:])
    return None


class EvmRpc:
    """JSON-RPC to the chain, for broadcasting and for the fields a transaction leaves out."""

    def __init__(self, url: str | None, timeout: float = 10.0) -> None:
        self.url, self.timeout = url, timeout

    def call(self, method: str, params: list[Any]) -> Any:
        if not self.url:
            raise PrivyError(
                400, "transaction_broadcast_failure", "no EVM RPC is configured for this emulator"
            )
        try:
            answer = requests.post(
                self.url,
                json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                timeout=self.timeout,
            ).json()
        except (requests.RequestException, ValueError) as exc:
            raise PrivyError(502, "transaction_broadcast_failure", f"EVM RPC {method} failed: {exc}") from exc
        if "error" in answer:
            raise PrivyError(400, "transaction_broadcast_failure", f"EVM RPC {method}: {answer['error']}")
        return answer.get("result")


def build_transaction(tx: Any, sender: str, caip2: str | None, rpc: EvmRpc | None) -> dict[str, Any]:
    """Privy's transaction object as an eth_account dict; missing nonce/gas/fees come from ``rpc``."""
    if not isinstance(tx, dict):
        raise invalid("params.transaction must be an object")
    out: dict[str, Any] = {}
    for key, value in tx.items():
        if key == "from":
            if str(value).lower() != sender.lower():
                raise invalid(f"transaction.from {value} is not this wallet ({sender})")
            continue
        if key not in _FIELDS:
            raise invalid(f"unsupported transaction field {key!r}")
        if value is None:
            continue
        name = _FIELDS[key]
        out[name] = _quantity(key, value) if name in _QUANTITIES else value
    out.setdefault("value", 0)
    if "chainId" not in out:
        chain = chain_id_of(caip2)
        if chain is None:
            raise invalid("transaction.chain_id (or a caip2) is required")
        out["chainId"] = chain
    kind = out.get("type", 0 if "gasPrice" in out else 2)
    if kind not in (0, 1, 2):
        raise invalid(f"transaction type {kind} is not supported by the emulator")
    out["type"] = kind
    if kind == 1:
        out.setdefault("accessList", [])
    if rpc is not None and rpc.url:
        _fill_from_chain(out, sender, rpc)
    missing = [
        k
        for k in (
            "nonce",
            "gas",
            *(("gasPrice",) if kind in (0, 1) else ("maxFeePerGas", "maxPriorityFeePerGas")),
        )
        if k not in out
    ]
    if missing:
        raise invalid(
            f"transaction is missing {', '.join(missing)} and no EVM RPC is configured to fill them"
        )
    return out


def _fill_from_chain(tx: dict[str, Any], sender: str, rpc: EvmRpc) -> None:
    if "nonce" not in tx:
        tx["nonce"] = int(rpc.call("eth_getTransactionCount", [sender, "pending"]), 16)
    if "gas" not in tx:
        probe = {"from": sender, "to": tx.get("to"), "value": hex(tx["value"]), "data": tx.get("data", "0x")}
        tx["gas"] = int(rpc.call("eth_estimateGas", [probe]), 16) * 12 // 10
    if tx["type"] in (0, 1):
        tx.setdefault("gasPrice", int(rpc.call("eth_gasPrice", []), 16))
    else:
        tx.setdefault("maxPriorityFeePerGas", 0)
        if "maxFeePerGas" not in tx:
            tx["maxFeePerGas"] = 2 * int(rpc.call("eth_gasPrice", []), 16) + tx["maxPriorityFeePerGas"]


def sign_transaction(key: str, tx: dict[str, Any]) -> str:
    if tx.get("type") == 0:  # eth_account knows a legacy transaction by its gasPrice, not by type 0
        tx = {k: v for k, v in tx.items() if k != "type"}
    try:
        signed = Account.sign_transaction(tx, key)
    except (TypeError, ValueError) as exc:
        raise invalid(f"cannot sign this transaction: {exc}") from exc
    return "0x" + bytes(signed.raw_transaction).hex()


def _hex(signature: bytes) -> str:
    return "0x" + signature.hex()


def sign_typed_data(key: str, params: dict[str, Any]) -> str:
    data = params.get("typed_data")
    if not isinstance(data, dict) or not all(k in data for k in ("domain", "types", "message")):
        raise invalid("params.typed_data needs domain, types, message and primary_type")
    primary = data.get("primary_type", data.get("primaryType"))
    if not isinstance(primary, str):
        raise invalid("params.typed_data.primary_type is required")
    types = dict(data["types"])
    if "EIP712Domain" not in types:  # Privy, like viem, derives the domain type from the domain
        types["EIP712Domain"] = [
            {"name": n, "type": t} for n, t in EIP712_DOMAIN_FIELDS if n in data["domain"]
        ]
    full = {"types": types, "primaryType": primary, "domain": data["domain"], "message": data["message"]}
    try:
        signable = encode_typed_data(full_message=full)
    except Exception as exc:  # eth_account raises many kinds for malformed typed data
        raise invalid(f"invalid typed data: {exc}") from exc
    return _hex(bytes(Account.sign_message(signable, key).signature))


def personal_sign(key: str, params: dict[str, Any]) -> str:
    message, encoding = params.get("message"), params.get("encoding")
    if not isinstance(message, str) or encoding not in ("utf-8", "hex"):
        raise invalid("personal_sign needs params.message (string) and params.encoding ('utf-8' or 'hex')")
    try:
        signable = encode_defunct(text=message) if encoding == "utf-8" else encode_defunct(hexstr=message)
    except ValueError as exc:
        raise invalid(f"invalid message: {exc}") from exc
    return _hex(bytes(Account.sign_message(signable, key).signature))
