"""The guard that keeps deposits the real bridge would lose (or the policy would deny) unsigned."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from basis.chains.amounts import AmountError, usdc_base_units

if TYPE_CHECKING:
    from basis.policies.settings import PolicySettings


def require_bridge_deposit(amount_usdc: Decimal | int | str, settings: PolicySettings) -> int:
    """Base units of a Hyperliquid bridge deposit, or ``AmountError`` before anything is signed.

    Bridge2 keeps transfers under 5 USDC without crediting them, and the policy denies transfers
    over ``max_usdc_per_tx``; both are refused here so the product never asks Privy for them.
    """
    units = usdc_base_units(amount_usdc)
    minimum = usdc_base_units(settings.minimum_bridge_deposit_usdc)
    if units < minimum:
        raise AmountError(
            f"deposit of {amount_usdc} USDC is below the bridge minimum of "
            f"{settings.minimum_bridge_deposit_usdc} USDC (smaller deposits are lost)"
        )
    if units > usdc_base_units(settings.max_usdc_per_tx):
        raise AmountError(
            f"deposit of {amount_usdc} USDC is over the per-transaction cap of "
            f"{settings.max_usdc_per_tx} USDC"
        )
    return units
