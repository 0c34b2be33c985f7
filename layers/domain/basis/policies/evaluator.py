"""Decide an rpc request against a Privy policy body with Privy's observed semantics (seed 1.4a).

Used by the Privy emulator to enforce policies and by the product to preflight a request before
it goes to Privy. Pure: no I/O, no clock except the ``system`` timestamp condition.

* Only rules whose ``method`` is the request's method (or ``*``) take part.
* A rule matches when every one of its conditions holds (a rule without conditions always does).
* A matching DENY wins over any number of matching ALLOWs; a condition-less ``DENY *`` therefore
  denies everything (G20). No matching ALLOW means deny (default deny).
* Solana transactions are decided per top-level instruction: any instruction matched by a DENY
  denies the transaction, and every instruction must be matched by some ALLOW.
* ``{{wallet.address}}`` (Privy's one template variable) in a condition value is the address of
  the wallet signing the request, which Privy knows per request and the caller passes as
  ``wallet``. Without it such a condition cannot be evaluated.
* A condition that cannot be evaluated (a lookup-table account, an unknown wallet) leaves its rule
  undecided unless another of its conditions is false; an undecided rule denies the request
  (fail closed), never allows it.
* An invalid policy (see ``validate_policy``) or an unreadable request is denied, never allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from basis.policies.operators import compare
from basis.policies.requests import (
    EvmTransaction,
    MalformedRequestError,
    SignedMessage,
    TypedData,
    UnevaluableError,
    system_field,
)
from basis.policies.validation import chain_methods, validate_policy

if TYPE_CHECKING:
    from basis.policies.solana_instructions import Instruction

__all__ = [
    "WALLET_ADDRESS",
    "Decision",
    "denying_rule",
    "evaluate",
    "instruction_reader",
    "validate_policy",
]

_SOLANA_TX = ("signTransaction", "signAndSendTransaction")
WALLET_ADDRESS = "{{wallet.address}}"
Reader = Callable[[dict[str, Any]], object]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str | None
    reason: str


def evaluate(
    policy: dict[str, Any], method: str, params: dict[str, Any], *, wallet: str | None = None
) -> Decision:
    """Allow or deny ``method`` with rpc ``params`` under ``policy``, naming the deciding rule;
    ``wallet`` is the signing wallet's address (what ``{{wallet.address}}`` stands for)."""
    problems = validate_policy(policy)
    if problems:
        return Decision(False, None, "invalid policy: " + "; ".join(problems))
    if method == "*" or method not in chain_methods(policy["chain_type"]):
        return Decision(False, None, f"method {method!r} is not a {policy['chain_type']} wallet method")
    rules = [rule for rule in policy["rules"] if rule["method"] in (method, "*")]
    if not isinstance(params, dict):
        return Decision(False, None, "malformed request: params must be an object")
    try:
        if policy["chain_type"] == "solana" and method in _SOLANA_TX:
            return _decide_instructions(rules, params, wallet)
        return _decide(rules, _request_reader(method, params), "the request", wallet)
    except MalformedRequestError as exc:
        return Decision(False, None, f"malformed request: {exc}")
    except UnevaluableError as exc:
        return Decision(False, None, f"cannot evaluate the policy on this request: {exc}")


def _resolve(value: Any, wallet: str | None) -> Any:
    """A condition value with ``{{wallet.address}}`` replaced by the signing wallet's address."""
    if isinstance(value, list):
        return [_resolve(item, wallet) for item in value]
    if not isinstance(value, str) or WALLET_ADDRESS not in value:
        return value
    if wallet is None:
        raise UnevaluableError(
            f"the policy compares with {WALLET_ADDRESS} and the signing wallet is not known"
        )
    return value.replace(WALLET_ADDRESS, wallet)


def _matches(rule: dict[str, Any], read: Reader, wallet: str | None) -> bool:
    """Whether every condition holds; ``UnevaluableError`` when that hangs on one that cannot be
    evaluated (a false condition decides the rule whatever the others are)."""
    undecided: UnevaluableError | None = None
    for c in rule["conditions"]:
        try:
            holds = compare(c["operator"], read(c), _resolve(c["value"], wallet))
        except UnevaluableError as exc:
            undecided = undecided or exc
            continue
        if not holds:
            return False
    if undecided is not None:
        raise undecided
    return True


def denying_rule(
    rules: list[dict[str, Any]], read: Reader, wallet: str | None = None
) -> dict[str, Any] | None:
    """The first DENY rule of ``rules`` whose conditions all hold for ``read``."""
    return next((r for r in rules if r["action"] == "DENY" and _matches(r, read, wallet)), None)


def _decide(rules: list[dict[str, Any]], read: Reader, subject: str, wallet: str | None) -> Decision:
    deny = denying_rule(rules, read, wallet)
    if deny is not None:
        return Decision(False, deny["name"], f"DENY rule {deny['name']!r} matched {subject}")
    for rule in rules:
        if rule["action"] == "ALLOW" and _matches(rule, read, wallet):
            return Decision(
                True, rule["name"], f"ALLOW rule {rule['name']!r} matched {subject} and no DENY rule did"
            )
    return Decision(False, None, f"no ALLOW rule matched {subject} (default deny)")


def instruction_reader(instruction: Instruction) -> Reader:
    """What a condition reads on one Solana instruction."""

    def read(c: dict[str, Any]) -> object:
        source = c["field_source"]
        return system_field(c["field"]) if source == "system" else instruction.value(source, c["field"])

    return read


def _decide_instructions(rules: list[dict[str, Any]], params: dict[str, Any], wallet: str | None) -> Decision:
    from basis.policies.solana_instructions import decode_transaction

    instructions = decode_transaction(params)
    if not instructions:
        return Decision(False, None, "the transaction has no instructions (default deny)")
    allowed_by: list[str] = []
    for instruction in instructions:
        decision = _decide(rules, instruction_reader(instruction), instruction.describe(), wallet)
        if not decision.allowed:
            return decision
        allowed_by.append(decision.rule or "")
    names = list(dict.fromkeys(allowed_by))
    return Decision(
        True,
        ", ".join(names),
        f"every instruction ({len(instructions)}) matched an ALLOW rule and none matched a DENY rule",
    )


def _request_reader(method: str, params: dict[str, Any]) -> Reader:
    transaction = EvmTransaction(params) if method in ("eth_signTransaction", "eth_sendTransaction") else None
    typed = TypedData(params) if method == "eth_signTypedData_v4" else None
    message = SignedMessage(params) if method in ("personal_sign", "signMessage") else None

    def read(c: dict[str, Any]) -> object:
        source, name = c["field_source"], c["field"]
        if source == "system":
            return system_field(name)
        if transaction is not None and source == "ethereum_transaction":
            return transaction.transaction_field(name)
        if transaction is not None and source == "ethereum_calldata":
            return transaction.calldata_field(c["abi"], name)
        if typed is not None and source == "ethereum_typed_data_domain":
            return typed.domain_field(name)
        if typed is not None and source == "ethereum_typed_data_message":
            return typed.message_field(c["typed_data"], name)
        if message is not None and source == "message":
            return message.field(name)
        return None

    return read
