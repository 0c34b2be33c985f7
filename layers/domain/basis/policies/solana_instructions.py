"""Solana transactions as Privy's conditions see them: one entry per top-level instruction.

Decoded with solders (imported lazily: cold starts that never touch Solana skip the cost).
System Program and SPL Token / Token-2022 instructions expose Privy's named fields
(``Transfer.lamports``, ``TransferChecked.amount``, ...). Accounts that live in an address lookup
table are not resolvable offline; a condition that needs one cannot be evaluated (fail closed).

Beyond Privy's fields, every System instruction that moves lamports (``Transfer``,
``TransferWithSeed``, ``CreateAccount``, ``CreateAccountWithSeed``, ``CreateAccountAllowPrefund``,
``WithdrawNonceAccount``) is decoded into a ``LamportMove``: the signer's preflight holds it to the
SOL cap like a ``Transfer`` (``basis.policies.solana_local``) and the spend caps count it
(``basis.signing.moved``). Privy itself reads lamports of ``Transfer`` only.

What nobody here sees: only top-level instructions are decoded. A program the policy allows may
move the wallet's lamports or tokens by cross-program invocation (CPI) inside its own instruction,
using the signature the wallet gave the transaction; such moves are neither capped by the policy
nor counted against the daily caps. The program allowlist is what bounds them: a transaction can
only invoke allowed programs at top level, and each can only do what its own code does with the
accounts it is given. System / Token / Token-2022 make no CPI that moves the wallet's funds; the
Associated Token Account program pays at most a token account's rent from the payer; Compute
Budget and Memo move nothing; Asgard's program and any configured lending program are trusted by
configuration to move only what their instruction says (the collateral of a position). A program
that invokes arbitrary other programs (a router) must never be allowlisted.
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
    "CreateAccountAllowPrefund",
)
# The instructions both token programs share (tags 0-24); Token-2022's extensions start at 25.
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
    "GetAccountDataSize",
    "InitializeImmutableOwner",
    "AmountToUiAmount",
    "UiAmountToAmount",
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
# System instruction that moves lamports -> (its account names in order, the account whose
# signature releases the lamports, the byte offset of the u64 lamports in its data).
# CreateAccountWithSeed's lamports follow its base and seed, so its offset is computed.
_LAMPORT_MOVES: dict[str, tuple[tuple[str, ...], str, int | None]] = {
    "Transfer": (("from", "to"), "from", 4),
    "TransferWithSeed": (("from", "base", "to"), "base", 4),
    "CreateAccount": (("from", "to"), "from", 4),
    "CreateAccountWithSeed": (("from", "to"), "from", None),
    "CreateAccountAllowPrefund": (("to", "from"), "from", 4),
    "WithdrawNonceAccount": (("from", "to", "recent_blockhashes", "rent", "authority"), "authority", 4),
}
_UNRESOLVED = object()


@dataclass(frozen=True)
class LamportMove:
    """Lamports a System instruction takes from ``source`` to ``destination``; ``signer`` is the
    account whose signature releases them (``None`` when the instruction names none)."""

    signer: object
    source: object
    destination: object
    lamports: int


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

    def lamport_move(self) -> LamportMove | None:
        """The lamports this instruction moves, when it is a System instruction that moves some."""
        if self.program_id != SYSTEM_PROGRAM or self.name not in _LAMPORT_MOVES:
            return None
        lamports = self.fields.get(f"{self.name}.lamports")
        if not isinstance(lamports, int):
            return None
        _, signer, _ = _LAMPORT_MOVES[self.name]
        get = self.fields.get
        return LamportMove(
            get(f"{self.name}.{signer}"), get(f"{self.name}.from"), get(f"{self.name}.to"), lamports
        )

    def as_transfer(self) -> Instruction | None:
        """This lamport move written as the System ``Transfer`` it amounts to (None otherwise)."""
        move = self.lamport_move()
        if move is None:
            return None
        fields = {
            "Transfer.from": move.source,
            "Transfer.to": move.destination,
            "Transfer.lamports": move.lamports,
        }
        return Instruction(self.index, SYSTEM_PROGRAM, "Transfer", fields)


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
        return Instruction(index, program, name, _system_fields(name, accounts, data))
    if program in TOKEN_PROGRAMS and data:
        name = _TOKEN_NAMES[data[0]] if data[0] < len(_TOKEN_NAMES) else None
        return Instruction(index, program, name, _token_fields(name, accounts, data))
    return Instruction(index, program)


def _system_fields(name: str | None, accounts: list[Any], data: bytes) -> dict[str, object]:
    if name not in _LAMPORT_MOVES:
        return {}
    roles, _, offset = _LAMPORT_MOVES[name]
    fields: dict[str, object] = {
        f"{name}.{role}": accounts[i] for i, role in enumerate(roles) if i < len(accounts)
    }
    try:
        if offset is None:  # CreateAccountWithSeed: tag, base (32), seed (u64 length + bytes), lamports
            (seed_length,) = struct.unpack_from("<Q", data, 36)
            offset = 44 + seed_length
        (fields[f"{name}.lamports"],) = struct.unpack_from("<Q", data, offset)
    except struct.error:  # truncated data: the System Program refuses it, nothing moves
        return {}
    return fields


def _token_fields(name: str | None, accounts: list[Any], data: bytes) -> dict[str, object]:
    if name not in _TOKEN_ACCOUNTS:
        return {}
    fields: dict[str, object] = {
        f"{name}.{role}": accounts[i] for i, role in enumerate(_TOKEN_ACCOUNTS[name]) if i < len(accounts)
    }
    if name in ("Transfer", "TransferChecked", "MintTo", "Burn") and len(data) >= 9:
        fields[f"{name}.amount"] = struct.unpack_from("<Q", data, 1)[0]
    if name == "InitializeAccount3" and len(data) >= 33:
        from solders.pubkey import Pubkey

        fields["InitializeAccount3.owner"] = str(Pubkey.from_bytes(data[1:33]))
    return fields
