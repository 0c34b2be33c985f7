"""What Privy accepts as a policy body, as far as this product relies on it (seed 1.4a, G23-G26).

``validate_policy`` lists every problem; an empty list means the body is valid. The evaluator
refuses to decide on an invalid body (it denies), and the Privy emulator answers 400 with these.
"""

from __future__ import annotations

import re
from typing import Any

from basis.policies.operators import SUPPORTED as OPERATORS

EVM_METHODS = frozenset(
    {
        "eth_sendTransaction",
        "eth_signTransaction",
        "eth_signTypedData_v4",
        "personal_sign",
        "eth_signUserOperation",
        "eth_sign7702Authorization",
        "wallet_sendCalls",
    }
)
SOLANA_METHODS = frozenset({"signTransaction", "signAndSendTransaction", "signMessage"})
ANY_CHAIN_METHODS = frozenset({"*", "exportPrivateKey", "exportSeedPhrase"})

# field_source -> (fields it offers, methods it applies to); None means "any field name".
_TX = frozenset({"eth_signTransaction", "eth_sendTransaction"})
_SOL_TX = frozenset({"signTransaction", "signAndSendTransaction"})
FIELD_SOURCES: dict[str, tuple[frozenset[str] | None, frozenset[str]]] = {
    # Privy's API answers only `to` and `value` here; there is no chain id condition (G23).
    "ethereum_transaction": (frozenset({"to", "value"}), _TX),
    "ethereum_calldata": (None, _TX),
    "ethereum_typed_data_domain": (
        frozenset({"chainId", "verifyingContract", "chain_id", "verifying_contract"}),
        frozenset({"eth_signTypedData_v4"}),
    ),
    "ethereum_typed_data_message": (None, frozenset({"eth_signTypedData_v4"})),
    "solana_program_instruction": (frozenset({"programId"}), _SOL_TX),
    "solana_system_program_instruction": (
        frozenset({"instructionName", "Transfer.from", "Transfer.to", "Transfer.lamports"}),
        _SOL_TX,
    ),
    "solana_token_program_instruction": (
        frozenset(
            {
                "instructionName",
                "Transfer.source",
                "Transfer.destination",
                "Transfer.authority",
                "Transfer.amount",
                "TransferChecked.source",
                "TransferChecked.destination",
                "TransferChecked.authority",
                "TransferChecked.amount",
                "TransferChecked.mint",
                "Burn.account",
                "Burn.mint",
                "Burn.authority",
                "Burn.amount",
                "MintTo.mint",
                "MintTo.account",
                "MintTo.authority",
                "MintTo.amount",
                "CloseAccount.account",
                "CloseAccount.destination",
                "CloseAccount.authority",
                "InitializeAccount3.account",
                "InitializeAccount3.mint",
                "InitializeAccount3.owner",
            }
        ),
        _SOL_TX,
    ),
    "system": (frozenset({"current_unix_timestamp"}), EVM_METHODS | SOLANA_METHODS | ANY_CHAIN_METHODS),
    "message": (frozenset({"content", "byte_length"}), frozenset({"personal_sign", "signMessage"})),
}
_CALLDATA_FIELD = re.compile(r"^([A-Za-z_$][A-Za-z0-9_$]*)\.([A-Za-z_$][A-Za-z0-9_$]*)$")
# Privy's template variables (resolved per request); ``{{wallet.address}}`` is the only one.
_TEMPLATE = re.compile(r"\{\{([^}]*)\}\}")
TEMPLATE_VARIABLES = frozenset({"wallet.address"})


def chain_methods(chain_type: str) -> frozenset[str]:
    return (EVM_METHODS if chain_type == "ethereum" else SOLANA_METHODS) | ANY_CHAIN_METHODS


def validate_policy(policy: Any) -> list[str]:
    """Every reason Privy would refuse this policy body (empty when it is acceptable)."""
    if not isinstance(policy, dict):
        return ["policy must be a JSON object"]
    problems: list[str] = []
    if policy.get("version") != "1.0":
        problems.append('version must be "1.0"')
    if not isinstance(policy.get("name"), str) or not policy["name"].strip():
        problems.append("name must be a non-empty string")
    chain_type = policy.get("chain_type")
    if chain_type not in ("ethereum", "solana"):
        problems.append(f"chain_type {chain_type!r} is not supported (ethereum or solana)")
        chain_type = None
    rules = policy.get("rules")
    if not isinstance(rules, list):
        return [*problems, "rules must be a list"]
    for index, rule in enumerate(rules):
        problems += [f"rules[{index}]: {p}" for p in _rule_problems(rule, chain_type)]
    return problems


def _rule_problems(rule: Any, chain_type: str | None) -> list[str]:
    if not isinstance(rule, dict):
        return ["rule must be an object"]
    problems: list[str] = []
    if not isinstance(rule.get("name"), str) or not rule["name"].strip():
        problems.append("name must be a non-empty string")
    if rule.get("action") not in ("ALLOW", "DENY"):
        problems.append("action must be ALLOW or DENY")
    method = rule.get("method")
    if not isinstance(method, str) or (chain_type and method not in chain_methods(chain_type)):
        problems.append(f"method {method!r} is not a {chain_type or 'known'} wallet method")
    conditions = rule.get("conditions")
    if not isinstance(conditions, list):
        return [*problems, "conditions must be a list"]
    if method == "eth_signTransaction" and not conditions:
        problems.append("eth_signTransaction rules need at least one condition (G24)")
    for index, condition in enumerate(conditions):
        problems += [f"conditions[{index}]: {p}" for p in _condition_problems(condition, method)]
    return problems


def _condition_problems(condition: Any, method: Any) -> list[str]:
    if not isinstance(condition, dict):
        return ["condition must be an object"]
    source, field, operator, value = (
        condition.get(k) for k in ("field_source", "field", "operator", "value")
    )
    if source not in FIELD_SOURCES:
        return [f"field_source {source!r} is not supported"]
    fields, methods = FIELD_SOURCES[source]
    problems: list[str] = []
    if method != "*" and method not in methods:
        problems.append(f"field_source {source} does not apply to method {method!r}")
    if not isinstance(field, str) or not field or (fields is not None and field not in fields):
        problems.append(
            f"field {field!r} is not a {source} field" + (f" (one of {sorted(fields)})" if fields else "")
        )
    if operator not in OPERATORS:
        problems.append(f"operator {operator!r} is not supported (one of {list(OPERATORS)})")
    if operator == "in":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            problems.append("operator in needs a non-empty list of strings")
    elif not isinstance(value, str):
        problems.append(f"operator {operator} needs a string value (numbers are written as strings)")
    for text in value if isinstance(value, list) else [value]:
        for name in _TEMPLATE.findall(text) if isinstance(text, str) else []:
            if name not in TEMPLATE_VARIABLES:
                problems.append(
                    f"template variable {{{{{name}}}}} is not supported (only {{{{wallet.address}}}})"
                )
    if source == "ethereum_calldata":
        problems += _calldata_problems(condition.get("abi"), field)
    if source == "ethereum_typed_data_message":
        problems += _typed_data_problems(condition.get("typed_data"))
    return problems


def _calldata_problems(abi: Any, field: Any) -> list[str]:
    if not isinstance(abi, list) or not abi:
        return ["abi must be a non-empty list of ABI entries, not a single object (G26)"]
    match = _CALLDATA_FIELD.match(field) if isinstance(field, str) else None
    if match is None:
        return [f"calldata field {field!r} must be functionName.argumentName (G25)"]
    function, argument = match.groups()
    entries = [
        e for e in abi if isinstance(e, dict) and e.get("type") == "function" and e.get("name") == function
    ]
    if not entries:
        return [f"abi has no function named {function!r}"]
    if not any(
        argument in [i.get("name") for i in e.get("inputs", []) if isinstance(i, dict)] for e in entries
    ):
        return [f"function {function!r} in the abi has no argument named {argument!r}"]
    return []


def _typed_data_problems(typed_data: Any) -> list[str]:
    if not isinstance(typed_data, dict):
        return ["typed_data with primary_type and types is required"]
    primary, types = typed_data.get("primary_type"), typed_data.get("types")
    if not isinstance(primary, str) or not isinstance(types, dict) or primary not in types:
        return ["typed_data.types must define typed_data.primary_type"]
    return []
