"""The platform signer's EVM policy for ONE user: the shared EVM policy (``rules.build_evm_policy``)
with Hyperliquid ``withdraw3``'s ``destination`` pinned to the user's own EVM address.

A shared policy cannot know the user, so with it the platform could sign a withdrawal of a user's
Hyperliquid funds to any address; with this one, only back to the user's own server wallet. The
pin is one more condition on the withdraw3 rule's typed-data message (same ``typed_data`` as the
rule's other message condition), ``in`` the address as Privy returns it (checksummed) and in
lowercase, the two forms a client signs. One such policy is created per user at provisioning
(``basis.wallets.creator``), owned by the platform's key quorum.
"""

from __future__ import annotations

import copy
from typing import Any

from basis.policies.rules import build_evm_policy
from basis.policies.settings import EVM_ADDRESS, PolicySettings

WITHDRAW = "HyperliquidTransaction:Withdraw"


def _message_condition(rule: dict[str, Any], primary_type: str) -> dict[str, Any] | None:
    for condition in rule["conditions"]:
        typed = condition.get("typed_data") or {}
        if (
            condition["field_source"] == "ethereum_typed_data_message"
            and typed.get("primary_type") == primary_type
        ):
            return dict(condition)
    return None


def user_policy_name(address: str) -> str:
    return f"user {address}"  # 47 characters: Privy's limit is 50


def build_user_evm_policy(settings: PolicySettings, address: str) -> dict[str, Any]:
    """The EVM policy for the wallet at ``address``: withdraw3 only to ``address``."""
    if not EVM_ADDRESS.match(address):
        raise ValueError(f"not an EVM address: {address!r}")
    policy = copy.deepcopy(build_evm_policy(settings))
    pinned = 0
    for rule in policy["rules"]:
        condition = _message_condition(rule, WITHDRAW)
        if condition is not None:
            destinations = list(dict.fromkeys([address, address.lower()]))
            rule["conditions"].append(
                {**condition, "field": "destination", "operator": "in", "value": destinations}
            )
            pinned += 1
    if pinned == 0:
        raise ValueError("the shared EVM policy has no withdraw3 rule to pin")
    return {**policy, "name": user_policy_name(address)}
