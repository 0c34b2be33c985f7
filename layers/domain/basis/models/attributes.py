"""``DecimalAttribute``: money in the tables, exactly.

PynamoDB's ``NumberAttribute`` goes through JSON, so it reads a number back as a ``float`` (rounding
anything past 15 to 17 significant digits) and cannot even write a ``Decimal``. This one stores a
DynamoDB number (exact up to 38 digits, the same ``N`` type, so stored items and indexes are
unchanged) from ``str(Decimal)`` and reads it back as a ``Decimal``; a float is refused before it
can round anything. Amounts, prices, balances and PnL use it (or integer base units).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pynamodb.attributes import Attribute
from pynamodb.constants import NUMBER


class DecimalAttribute(Attribute[Decimal]):
    attr_type = NUMBER

    def serialize(self, value: Decimal | int) -> str:
        if isinstance(value, bool) or not isinstance(value, Decimal | int):  # a float above all
            raise TypeError(f"money is a Decimal or an int, never a float: got {value!r}")
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError(f"not a finite amount: {value}")
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"stored amount {value!r} is not a number") from exc
