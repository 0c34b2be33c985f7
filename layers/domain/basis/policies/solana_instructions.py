"""Solana transactions as Privy's conditions see them: one entry per top-level instruction.

Decoded with solders (imported lazily: cold starts that never touch Solana skip the cost).
System Program and SPL Token / Token-2022 instructions expose Privy's named fields
(``Transfer.lamports``, ``TransferChecked.amount``, ...). Accounts that live in an address lookup
table are not resolvable offline; a condition that needs one cannot be evaluated (fail closed).
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass, field
from typing import Any

from basis.chains.solana import SYSTEM_PROGRAM, TOKEN_PROGRAMS
from basis.policies.requests import MalformedRequestError, UnevaluableError

_SYSTEM_NAMES = (
    "CreateAccount",
    "Assign",
    "Transfer",
    "CreateAccountWithSeed",
    "AdvanceNonceAccount",
    "WithdrawNonceAccount",
    "InitializeNonceAccount",
    "AuthorizeNonceAccount",
    "Allocate",
    "AllocateWithSeed",
    "AssignWithSeed",
    "TransferWithSeed",
    "UpgradeNonceAccount",
)
_TOKEN_NAMES = (
    "InitializeMint",
    "InitializeAccount",
    "InitializeMultisig",
    "Transfer",
    "Approve",
    "Revoke",
    "SetAuthority",
    "MintTo",
    "Burn",
    "CloseAccount",
    "FreezeAccount",
    "ThawAccount",
    "TransferChecked",
    "ApproveChecked",
    "MintToChecked",
    "BurnChecked",
    "InitializeAccount2",
    "SyncNative",
    "InitializeAccount3",
    "InitializeMultisig2",
    "InitializeMint2",
)
# Token instruction -> account names in order (amount, when present, is the u64 after the tag).
_TOKEN_ACCOUNTS: dict[str, tuple[str, ...]] = {
    "Transfer": ("source", "destination", "authority"),
    "TransferChecked": ("source", "mint", "destination", "authority"),
    "MintTo": ("mint", "account", "authority"),
    "Burn": ("account", "mint", "authority"),
    "CloseAccount": ("account", "destination", "authority"),
    "InitializeAccount3": ("account", "mint"),
}
_UNRESOLVED = object()


@dataclass(frozen=True)
class Instruction:
    index: int
    program_id: str
    name: str | None = None
    fields: dict[str, object] = field(default_factory=dict)

    def describe(self) -> str:
        return f"instruction #{self.index} ({self.program_id}{'.' + self.name if self.name else ''})"

    def value(self, source: str, name: str) -> object:
        """The value of a Privy field for this instruction, or None when it does not apply."""
        if source == "solana_program_instruction":
            return self.program_id if name == "programId" else None
        applies = (
            self.program_id == SYSTEM_PROGRAM
            if source == "solana_system_program_instruction"
            else self.program_id in TOKEN_PROGRAMS
        )
        if not applies:
            return None
        if name == "instructionName":
            return self.name
        value = self.fields.get(name)
        if value is _UNRESOLVED:
            raise UnevaluableError(f"{name} of {self.describe()} is in an address lookup table")
        return value


def decode_transaction(params: dict[str, Any]) -> list[Instruction]:
    encoded, encoding = params.get("transaction"), params.get("encoding", "base64")
    if not isinstance(encoded, str) or encoding != "base64":
        raise MalformedRequestError('params must be {"transaction": "<base64>", "encoding": "base64"}')
    from solders.transaction import VersionedTransaction

    try:
        message = VersionedTransaction.from_bytes(base64.b64decode(encoded, validate=True)).message
    except (ValueError, binascii.Error) as exc:
        raise MalformedRequestError(f"transaction does not deserialize: {exc}") from exc
    keys = [str(key) for key in message.account_keys]
    out = []
    for index, compiled in enumerate(message.instructions):
        if compiled.program_id_index >= len(keys):
            raise MalformedRequestError(
                f"instruction #{index} names a program outside the static account keys"
            )
        accounts = [keys[i] if i < len(keys) else _UNRESOLVED for i in bytes(compiled.accounts)]
        out.append(_decode(index, keys[compiled.program_id_index], accounts, bytes(compiled.data)))
    return out


def _decode(index: int, program: str, accounts: list[Any], data: bytes) -> Instruction:
    if program == SYSTEM_PROGRAM and len(data) >= 4:
        (tag,) = struct.unpack_from("<I", data)
        name = _SYSTEM_NAMES[tag] if tag < len(_SYSTEM_NAMES) else None
        fields: dict[str, object] = {}
        if name == "Transfer" and len(data) >= 12 and len(accounts) >= 2:
            fields = {
                "Transfer.from": accounts[0],
                "Transfer.to": accounts[1],
                "Transfer.lamports": struct.unpack_from("<Q", data, 4)[0],
            }
        return Instruction(index, program, name, fields)
    if program in TOKEN_PROGRAMS and data:
        name = _TOKEN_NAMES[data[0]] if data[0] < len(_TOKEN_NAMES) else None
        fields = {}
        if name in _TOKEN_ACCOUNTS:
            fields = {
                f"{name}.{role}": accounts[i]
                for i, role in enumerate(_TOKEN_ACCOUNTS[name])
                if i < len(accounts)
            }
            if name in ("Transfer", "TransferChecked", "MintTo", "Burn") and len(data) >= 9:
                fields[f"{name}.amount"] = struct.unpack_from("<Q", data, 1)[0]
            if name == "InitializeAccount3" and len(data) >= 33:
                from solders.pubkey import Pubkey

                fields["InitializeAccount3.owner"] = str(Pubkey.from_bytes(data[1:33]))
        return Instruction(index, program, name, fields)
    return Instruction(index, program)
