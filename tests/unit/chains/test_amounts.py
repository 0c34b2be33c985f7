"""The one amount parser: exact by default, never through a float, plain text for Hyperliquid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from basis.chains.amounts import AmountError, from_base_units, parse_decimal, to_base_units, wire


@pytest.mark.parametrize(
    ("raw", "expected"), [("0.5", Decimal("0.5")), (7, Decimal(7)), (0.1, Decimal("0.1"))]
)
def test_numbers_are_read_through_their_text(raw: object, expected: Decimal) -> None:
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize("raw", [None, True, "abc", "NaN", "Infinity", [1]])
def test_what_is_not_a_finite_number_is_refused(raw: object) -> None:
    with pytest.raises(AmountError):
        parse_decimal(raw)


def test_base_units_are_exact_unless_asked_to_drop_the_rest() -> None:
    assert to_base_units("1.5", 6) == 1_500_000
    with pytest.raises(AmountError, match="more than 6 decimals"):
        to_base_units("1.0000009", 6)
    assert to_base_units("1.0000009", 6, exact=False) == 1_000_000
    with pytest.raises(AmountError, match="non-negative"):
        to_base_units("-1", 6, exact=False)


def test_base_units_back_to_an_amount() -> None:
    assert from_base_units(1_500_000, 6) == Decimal("1.5")
    assert from_base_units(5 * 10**15, 18) == Decimal("0.005")


@pytest.mark.parametrize(
    ("amount", "text"), [(Decimal("10"), "10"), (Decimal("1E+1"), "10"), (Decimal("79.500"), "79.5")]
)
def test_wire_text_has_no_exponent_and_no_trailing_zeros(amount: Decimal, text: str) -> None:
    assert wire(amount) == text
