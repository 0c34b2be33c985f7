"""Money in the tables is never a float: every amount, price, balance or PnL attribute of the models
holds a ``Decimal`` exactly (stored as a DynamoDB number, read back as ``Decimal``) and refuses a
float before it can round anything. Serialisation only: no table is touched."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from pynamodb.attributes import NumberAttribute

from basis.models import ALL_MODELS, Position, RiskTracking

MONEY = re.compile(r"(amount|_usd|_usdc|price|pnl|balance)")
EXACT = Decimal("12345678901234.123456")  # 20 significant digits: a float keeps 15 to 17


def test_no_money_attribute_is_a_float_number() -> None:
    floats = [
        f"{model.__name__}.{name}"
        for model in ALL_MODELS
        for name, attribute in model.get_attributes().items()
        if MONEY.search(name) and type(attribute) is NumberAttribute
    ]
    assert floats == []


def test_amounts_round_trip_exactly_as_decimals() -> None:
    position = Position("did:privy:u1", "p1", size_usd=Decimal("1000.10"), hl_entry_price=Decimal("149.92"))
    assert Position.from_raw_data(position.serialize()).hl_entry_price == Decimal("149.92")
    risk = RiskTracking("did:privy:u1", peak_balance_usd=7)
    assert RiskTracking.from_raw_data(risk.serialize()).peak_balance_usd == Decimal(7)


def test_a_float_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        Position("did:privy:u1", "p1", size_usd=5.0000001).serialize()
