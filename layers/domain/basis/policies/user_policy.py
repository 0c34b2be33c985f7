"""The platform signer's EVM policy for ONE user: the shared EVM policy (``rules.build_evm_policy``)
with Hyperliquid ``withdraw3``'s ``destination`` pinned to the user's own EVM address, plus the
user's registered withdrawal addresses as the only other places the platform may send USDC.

A shared policy cannot know the user, so with it the platform could sign a withdrawal of a user's
Hyperliquid funds to any address; with this one, only back to the user's own server wallet. The
pin is one more condition on the withdraw3 rule's typed-data message (same ``typed_data`` as the
rule's other message condition), ``in`` the address as Privy returns it (checksummed) and in
lowercase, the two forms a client signs.

``withdrawal_addresses`` (registered by the user, ``basis.wallets.withdrawal_addresses``) add one
ALLOW rule per transaction method, shaped like the Bridge2 deposit rule: a USDC ``transfer`` whose
``to`` is ``in`` those addresses, within the per-transaction cap. Nothing else is added; with no
address there is no such rule. One such policy is created per user at provisioning
(``basis.wallets.creator``), OWNED BY THE USER: only the user's key changes it, so the platform
cannot widen what it may sign.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from basis.policies.rules import build_evm_policy, usdc_transfer_rules
from basis.policies.settings import EVM_ADDRESS, PolicySettings

WITHDRAW = "HyperliquidTransaction:Withdraw"
DELIVERY = "Allow USDC to withdrawal addresses"


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


def build_user_evm_policy(
    settings: PolicySettings, address: str, withdrawal_addresses: Sequence[str] = ()
) -> dict[str, Any]:
    """The EVM policy for the wallet at ``address``: withdraw3 only to ``address``; USDC transfers
    to ``withdrawal_addresses`` besides the shared policy's Bridge2 deposit."""
    for each in (address, *withdrawal_addresses):
        if not EVM_ADDRESS.match(each):
            raise ValueError(f"not an EVM address: {each!r}")
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
    if withdrawal_addresses:
        policy["rules"] += usdc_transfer_rules(
            settings, DELIVERY, "in", list(dict.fromkeys(withdrawal_addresses))
        )
    return {**policy, "name": user_policy_name(address)}
