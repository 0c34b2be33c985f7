"""Decide an rpc request against a Privy policy body with Privy's observed semantics (seed 1.4a).

Used by the Privy emulator to enforce policies and by the product to preflight a request before
it goes to Privy. Pure: no I/O, no clock except the ``system`` timestamp condition.

* Only rules whose ``method`` is the request's method (or ``*``) take part.
* A rule matches when every one of its conditions holds (a rule without conditions always does).
* A matching DENY wins over any number of matching ALLOWs; a condition-less ``DENY *`` therefore
  denies everything (G20). No matching ALLOW means deny (default deny).
* Solana transactions are decided per top-level instruction: any instruction matched by a DENY
  denies the transaction, and every instruction must be matched by some ALLOW.
* An invalid policy (see ``validate_policy``) or an unreadable request is denied, never allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

__all__ = ["Decision", "evaluate", "validate_policy"]

_SOLANA_TX = ("signTransaction", "signAndSendTransaction")
Reader = Callable[[dict[str, Any]], object]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str | None
    reason: str


def evaluate(policy: dict[str, Any], method: str, params: dict[str, Any]) -> Decision:
    """Allow or deny ``method`` with rpc ``params`` under ``policy``, naming the deciding rule."""
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
            return _decide_instructions(rules, params)
        return _decide(rules, _request_reader(method, params), "the request")
    except MalformedRequestError as exc:
        return Decision(False, None, f"malformed request: {exc}")
    except UnevaluableError as exc:
        return Decision(False, None, f"cannot evaluate the policy on this request: {exc}")


def _matches(rule: dict[str, Any], read: Reader) -> bool:
    return all(compare(c["operator"], read(c), c["value"]) for c in rule["conditions"])


def _decide(rules: list[dict[str, Any]], read: Reader, subject: str) -> Decision:
    matched = [rule for rule in rules if _matches(rule, read)]
    for rule in matched:
        if rule["action"] == "DENY":
            return Decision(False, rule["name"], f"DENY rule {rule['name']!r} matched {subject}")
    for rule in matched:
        return Decision(
            True, rule["name"], f"ALLOW rule {rule['name']!r} matched {subject} and no DENY rule did"
        )
    return Decision(False, None, f"no ALLOW rule matched {subject} (default deny)")


def _decide_instructions(rules: list[dict[str, Any]], params: dict[str, Any]) -> Decision:
    from basis.policies.solana_instructions import decode_transaction

    instructions = decode_transaction(params)
    if not instructions:
        return Decision(False, None, "the transaction has no instructions (default deny)")
    allowed_by: list[str] = []
    for instruction in instructions:

        def read(c: dict[str, Any], ix: Any = instruction) -> object:
            source = c["field_source"]
            return system_field(c["field"]) if source == "system" else ix.value(source, c["field"])

        decision = _decide(rules, read, instruction.describe())
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
