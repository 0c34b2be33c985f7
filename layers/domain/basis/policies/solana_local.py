"""The Solana rules only the signer's preflight enforces: Privy's conditions cannot express them.

Privy reads the lamports of a System ``Transfer`` and of no other System instruction, and has no
"not equal" operator, so a shared policy cannot say "this account and no other". These rules run
in the signer's preflight (``basis.policies.local_copy``), before Privy is asked; a request that
reaches Privy without going through the signer is held to the Privy policy alone.

* Every other System instruction that moves lamports (``CreateAccount``,
  ``CreateAccountWithSeed``, ``CreateAccountAllowPrefund``, ``TransferWithSeed``,
  ``WithdrawNonceAccount``) is read as the ``Transfer`` it amounts to and held to the policy's own
  DENY rules: a 500 SOL ``CreateAccount`` is refused by the per-transaction SOL cap exactly like a
  500 SOL ``Transfer``.
* SPL ``CloseAccount`` (Token and Token-2022) may only pay the closed account's lamports (its rent,
  or all of a wrapped-SOL account) to the signing wallet itself; when the wallet is not known it is
  refused.
* A Token / Token-2022 instruction outside the set both programs share is refused: Token-2022's
  extensions (``TransferCheckedWithFee``, ``WithdrawExcessLamports``, confidential transfers, ...)
  move funds through fields no rule reads, and the platform's transactions use none of them.
"""

from __future__ import annotations

from typing import Any

from basis.chains.solana import TOKEN_PROGRAMS
from basis.policies.evaluator import Decision, denying_rule, instruction_reader
from basis.policies.solana_instructions import Instruction

CLOSE_RULE = "Preflight: SPL CloseAccount pays the wallet only"
EXTENSION_RULE = "Preflight: SPL instructions outside the shared Token set"


def refusal(
    rules: list[dict[str, Any]], instructions: list[Instruction], wallet: str | None
) -> Decision | None:
    """The preflight's refusal of a transaction Privy's rules allowed (``rules``: the policy's rules
    for this method), or None."""
    for ix in instructions:
        decision = _lamports(rules, ix, wallet) if ix.name != "Transfer" else None
        if decision is None and ix.program_id in TOKEN_PROGRAMS:
            decision = _token(ix, wallet)
        if decision is not None:
            return decision
    return None


def _lamports(rules: list[dict[str, Any]], ix: Instruction, wallet: str | None) -> Decision | None:
    transfer = ix.as_transfer()
    if transfer is None:
        return None
    rule = denying_rule(rules, instruction_reader(transfer), wallet)
    if rule is None:
        return None
    return Decision(
        False,
        rule["name"],
        f"{ix.describe()} moves {transfer.fields['Transfer.lamports']} lamports; read as a Transfer, "
        f"DENY rule {rule['name']!r} matched it (the preflight's rule: Privy reads lamports of "
        "Transfer only)",
    )


def _token(ix: Instruction, wallet: str | None) -> Decision | None:
    if ix.name is None:
        return Decision(
            False,
            EXTENSION_RULE,
            f"{ix.describe()} is not one of the instructions Token and Token-2022 share "
            "(a Token-2022 extension no rule reads); the preflight refuses it",
        )
    if ix.name != "CloseAccount":
        return None
    destination = ix.fields.get("CloseAccount.destination")
    if wallet is not None and destination == wallet:
        return None
    receiver = destination if isinstance(destination, str) else "an account in an address lookup table"
    return Decision(
        False,
        CLOSE_RULE,
        f"{ix.describe()} pays the closed account's lamports to {receiver}, not to the signing wallet "
        f"({wallet or 'unknown'}); the preflight refuses it",
    )
