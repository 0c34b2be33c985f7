"""Human amounts to base units, and the guard that keeps deposits the real bridge would lose unsigned."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from basis.policies.settings import PolicySettings

USDC_DECIMALS = 6
SOL_DECIMALS = 9


class AmountError(ValueError):
    """An amount that cannot be signed: malformed, too precise, too small or over a cap."""


def to_base_units(amount: Decimal | int | str, decimals: int) -> int:
    """Exact conversion; refuses negatives and amounts finer than the token's smallest unit."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise AmountError(f"not a number: {amount!r}") from exc
    if not value.is_finite() or value < 0:
        raise AmountError(f"amount must be a finite non-negative number, got {amount!r}")
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise AmountError(f"{amount} has more than {decimals} decimals")
    return int(scaled)


def usdc_base_units(amount: Decimal | int | str) -> int:
    return to_base_units(amount, USDC_DECIMALS)


def lamports(amount_sol: Decimal | int | str) -> int:
    return to_base_units(amount_sol, SOL_DECIMALS)


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
