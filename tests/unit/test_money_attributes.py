"""Money in the tables is never a float: every amount, price, balance or PnL attribute of the models
holds a ``Decimal`` exactly (stored as a DynamoDB number, read back as ``Decimal``) and refuses a
float before it can round anything. Serialisation only: no table is touched."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from pynamodb.attributes import Attribute, MapAttribute, NumberAttribute

from basis.models import ALL_MODELS, Position, RiskTracking
from basis.models.positions import Leg

MONEY = re.compile(r"(amount|_usd|_usdc|price|pnl|balance)")
EXACT = Decimal("12345678901234.123456")  # 20 significant digits: a float keeps 15 to 17


def _attributes(owner: str, attributes: dict[str, Attribute[object]]) -> list[tuple[str, Attribute[object]]]:
    """Every attribute, those of maps (a position's legs) included, by dotted name."""
    found = []
    for name, attribute in attributes.items():
        found.append((f"{owner}.{name}", attribute))
        if isinstance(attribute, MapAttribute) and attribute.is_raw() is False:
            found += _attributes(f"{owner}.{name}", type(attribute).get_attributes())
    return found


def test_no_money_attribute_is_a_float_number() -> None:
    attributes = [a for model in ALL_MODELS for a in _attributes(model.__name__, model.get_attributes())]
    assert "Position.short_leg.entry_price" in dict(attributes)  # the legs' amounts are checked too
    floats = [
        name for name, attribute in attributes if MONEY.search(name) and type(attribute) is NumberAttribute
    ]
    assert floats == []


def test_amounts_round_trip_exactly_as_decimals() -> None:
    leg = Leg(venue="hyperliquid", entry_price=Decimal("149.92"))
    position = Position("did:privy:u1", "p1", size_usd=Decimal("1000.10"), short_leg=leg)
    assert Position.from_raw_data(position.serialize()).short_leg.entry_price == Decimal("149.92")
    risk = RiskTracking("did:privy:u1", peak_balance_usd=7)
    assert RiskTracking.from_raw_data(risk.serialize()).peak_balance_usd == Decimal(7)


def test_a_float_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        Position("did:privy:u1", "p1", size_usd=5.0000001).serialize()
