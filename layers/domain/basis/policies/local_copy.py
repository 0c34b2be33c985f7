"""The signer's local copy of a wallet's policy, and the decision its preflight takes with it.

A copy is the Privy policy body plus the wallet it is attached to, under ``"wallet":
{"address": ...}`` (the namespace of Privy's ``{{wallet.address}}``); that key never goes to
Privy. ``decide`` is Privy's decision on the body (``basis.policies.evaluator``) with
``{{wallet.address}}`` bound to the copy's wallet, as Privy binds it per request, followed for
Solana transactions by the rules only the preflight enforces (``basis.policies.solana_local``).

A bare body (no wallet) still decides: a templated condition then cannot be evaluated and denies
whenever it matters, and an SPL ``CloseAccount`` is refused (its receiver cannot be checked).
"""

from __future__ import annotations

from typing import Any

from basis.policies.evaluator import Decision, evaluate
from basis.policies.requests import MalformedRequestError, UnevaluableError

_SOLANA_TX = ("signTransaction", "signAndSendTransaction")


def for_wallet(policy: dict[str, Any], address: str) -> dict[str, Any]:
    """The local copy of ``policy`` for the wallet at ``address``."""
    return {**policy, "wallet": {"address": address}}


def wallet_of(policy: dict[str, Any]) -> str | None:
    wallet = policy.get("wallet")
    address = wallet.get("address") if isinstance(wallet, dict) else None
    return address if isinstance(address, str) and address else None


def decide(policy: dict[str, Any], method: str, params: dict[str, Any]) -> Decision:
    """Privy's decision on the copy's body for its wallet, then the preflight's own Solana rules."""
    wallet = wallet_of(policy)
    decision = evaluate(policy, method, params, wallet=wallet)
    if not decision.allowed or policy.get("chain_type") != "solana" or method not in _SOLANA_TX:
        return decision
    from basis.policies.solana_instructions import decode_transaction
    from basis.policies.solana_local import refusal

    rules = [rule for rule in policy["rules"] if rule["method"] in (method, "*")]
    try:
        refused = refusal(rules, decode_transaction(params), wallet)
    except (MalformedRequestError, UnevaluableError) as exc:
        return Decision(False, None, f"cannot evaluate the preflight's rules on this request: {exc}")
    return refused or decision
