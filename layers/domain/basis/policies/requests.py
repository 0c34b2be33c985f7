"""The fields Privy's conditions read, taken from an rpc ``params`` object as privy-client sends it.

EVM: ``{"transaction": {...}}`` (eth_signTransaction / eth_sendTransaction),
``{"typed_data": {domain, types, message, primary_type}}`` (eth_signTypedData_v4),
``{"message": ..., "encoding": "utf-8" | "hex"}`` (personal_sign).
Solana: ``{"transaction": "<base64>", "encoding": "base64"}`` and ``{"message": "<base64>", ...}``;
Solana transactions are read per instruction by ``basis.policies.solana_instructions``.
"""

from __future__ import annotations

import base64
import binascii
import time
from functools import lru_cache
from typing import Any

from basis.policies.operators import as_int


class MalformedRequestError(ValueError):
    """The params cannot be read the way Privy reads them; Privy would refuse the request."""


class UnevaluableError(ValueError):
    """A condition needs a value the request does not carry in a readable form (fail closed)."""


def _hex_bytes(text: Any, what: str) -> bytes:
    if text is None or text == "":
        return b""
    if not isinstance(text, str) or not text.startswith("0x"):
        raise MalformedRequestError(f"{what} must be 0x-prefixed hex")
    try:
        return bytes.fromhex(text[2:])
    except ValueError as exc:
        raise MalformedRequestError(f"{what} is not valid hex") from exc


class EvmTransaction:
    def __init__(self, params: dict[str, Any]) -> None:
        tx = params.get("transaction")
        if not isinstance(tx, dict):
            raise MalformedRequestError("params.transaction must be an object")
        self.to: str | None = tx.get("to") or None
        if self.to is not None and not isinstance(self.to, str):
            raise MalformedRequestError("transaction.to must be a string")
        raw_value = tx.get("value", 0)
        value = as_int(raw_value) if raw_value not in (None, "") else 0
        if value is None or value < 0:
            raise MalformedRequestError("transaction.value must be a non-negative quantity")
        self.value = value
        self.data = _hex_bytes(tx.get("data"), "transaction.data")

    def transaction_field(self, field: str) -> object:
        return self.to if field == "to" else self.value

    def calldata_field(self, abi: list[dict[str, Any]], field: str) -> object:
        function, argument = field.split(".", 1)
        for entry in abi:
            if entry.get("type") != "function" or entry.get("name") != function:
                continue
            inputs = entry.get("inputs", [])
            if self.data[:4] != _selector(function, tuple(_canonical_type(i) for i in inputs)):
                continue
            decoded = _decode(tuple(_canonical_type(i) for i in inputs), self.data[4:])
            if decoded is None:
                return None
            names = [i.get("name") for i in inputs]
            return _plain(decoded[names.index(argument)]) if argument in names else None
        return None


def _canonical_type(param: dict[str, Any]) -> str:
    kind = str(param.get("type", ""))
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in param.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@lru_cache(maxsize=256)
def _selector(name: str, types: tuple[str, ...]) -> bytes:
    from eth_utils import keccak

    return keccak(text=f"{name}({','.join(types)})")[:4]


def _decode(types: tuple[str, ...], payload: bytes) -> tuple[Any, ...] | None:
    from eth_abi import decode
    from eth_abi.exceptions import DecodingError

    try:
        return tuple(decode(list(types), payload))
    except (DecodingError, ValueError, OverflowError):
        return None


def _plain(value: Any) -> object:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


class TypedData:
    def __init__(self, params: dict[str, Any]) -> None:
        data = params.get("typed_data")
        if not isinstance(data, dict):
            raise MalformedRequestError("params.typed_data must be an object")
        domain, types, message = data.get("domain"), data.get("types"), data.get("message")
        primary_type = data.get("primary_type", data.get("primaryType"))
        if not (isinstance(domain, dict) and isinstance(types, dict) and isinstance(message, dict)):
            raise MalformedRequestError("typed_data needs domain, types, message and primary_type")
        if not isinstance(primary_type, str):
            raise MalformedRequestError("typed_data needs domain, types, message and primary_type")
        self.domain: dict[str, Any] = domain
        self.types: dict[str, Any] = types
        self.message: dict[str, Any] = message
        self.primary_type = primary_type

    def domain_field(self, field: str) -> object:
        key = {"chain_id": "chainId", "verifying_contract": "verifyingContract"}.get(field, field)
        return self.domain.get(key)

    def message_field(self, typed_data: dict[str, Any], field: str) -> object:
        """The message value at ``field`` when the request has the condition's primary type and structs."""
        if self.primary_type != typed_data["primary_type"]:
            return None
        for name, struct in typed_data["types"].items():
            if _struct(self.types.get(name)) != _struct(struct):
                return None
        value: object = self.message
        for part in field.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value


def _struct(fields: Any) -> list[tuple[Any, Any]] | None:
    if not isinstance(fields, list):
        return None
    return [(f.get("name"), f.get("type")) if isinstance(f, dict) else (None, None) for f in fields]


class SignedMessage:
    """personal_sign (utf-8 or hex) and Solana signMessage (base64) payloads."""

    def __init__(self, params: dict[str, Any]) -> None:
        message, encoding = params.get("message"), params.get("encoding")
        if not isinstance(message, str):
            raise MalformedRequestError("params.message must be a string")
        try:
            if encoding == "hex":
                self.raw = bytes.fromhex(message.removeprefix("0x"))
            elif encoding == "base64":
                self.raw = base64.b64decode(message, validate=True)
            elif encoding in (None, "utf-8"):
                self.raw = message.encode()
            else:
                raise MalformedRequestError(f"unknown message encoding {encoding!r}")
        except (ValueError, binascii.Error) as exc:
            raise MalformedRequestError(f"message is not valid {encoding}") from exc

    def field(self, field: str) -> object:
        if field == "byte_length":
            return len(self.raw)
        try:
            return self.raw.decode()
        except UnicodeDecodeError as exc:
            raise UnevaluableError("message content is not utf-8 text") from exc


def system_field(field: str) -> object:
    return int(time.time()) if field == "current_unix_timestamp" else None
