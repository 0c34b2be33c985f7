"""The one amount parser: text or numbers to exact ``Decimal``s, human amounts to base units and
back, and the plain decimal text Hyperliquid's wire format carries.

Amounts are never floats on their way to a signature: a value is read through ``str`` into a
``Decimal`` and scaled exactly.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from basis.platform.errors import AmountRefusedError

USDC_DECIMALS = 6
SOL_DECIMALS = 9
ETH_DECIMALS = 18


class AmountError(AmountRefusedError, ValueError):
    """An amount that cannot be signed: malformed, too precise, too small or over a cap."""


def parse_decimal(raw: object) -> Decimal:
    """The finite number ``raw`` denotes (``"0.5"``, ``7``, ``Decimal``); ``AmountError`` otherwise."""
    if raw is None or isinstance(raw, bool):
        raise AmountError(f"not a number: {raw!r}")
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise AmountError(f"not a number: {raw!r}") from exc
    if not value.is_finite():
        raise AmountError(f"not a finite number: {raw!r}")
    return value


def to_base_units(amount: object, decimals: int, *, exact: bool = True) -> int:
    """``amount`` in units of ``10**-decimals``; refuses negatives, and (``exact``) amounts finer
    than that unit. ``exact=False`` drops what is finer instead (rounds toward zero)."""
    value = parse_decimal(amount)
    if value < 0:
        raise AmountError(f"amount must be a finite non-negative number, got {amount!r}")
    scaled = value.scaleb(decimals)
    whole = scaled.to_integral_value(rounding=ROUND_DOWN)
    if exact and scaled != whole:
        raise AmountError(f"{amount} has more than {decimals} decimals")
    return int(whole)


def from_base_units(units: int, decimals: int) -> Decimal:
    return Decimal(units).scaleb(-decimals)


def usdc_base_units(amount: object) -> int:
    return to_base_units(amount, USDC_DECIMALS)


def lamports(amount_sol: object) -> int:
    return to_base_units(amount_sol, SOL_DECIMALS)


def wire(amount: Decimal) -> str:
    """Plain decimal text, no exponent and no trailing zeros (``Decimal("1E+1")`` -> ``"10"``)."""
    return format(amount.normalize(), "f")
