"""Strategy parameters against the system's hard caps: each refusal names the field and the limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from basis.strategy.config import StrategyParameters, StrategyRefusedError, validated, with_changes
from basis.strategy.limits import CAPS, DEFAULTS


def test_defaults_are_the_seeds_and_within_the_caps() -> None:
    p = validated(StrategyParameters())
    assert (p.min_carry_apy, p.max_position_pct, p.max_leverage, p.stop_loss_pct) == (15, 25, 3, 10)
    assert (p.auto_reopen, p.cooldown_minutes, p.enabled, p.mode) == (True, 30, False, "paper")
    assert p.assets == DEFAULTS.assets == ("SOL",)


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [
        ("max_leverage", Decimal("5.5"), "above 1, at most 5x"),
        ("max_leverage", Decimal(1), "above 1, at most 5x"),  # the positions service refuses 1x
        ("stop_loss_pct", Decimal("0.5"), "1 to 100 %"),
        ("cooldown_minutes", 4, "5 minutes to 7 days"),
        ("max_concurrent_positions", 4, "1 to 3"),
        ("assets", ("BTC",), "a non-empty subset of ('SOL',)"),
        ("assets", (), "a non-empty subset of ('SOL',)"),
        ("protocols", ("aave",), f"a non-empty subset of {CAPS.protocols}"),
        ("mode", "yolo", "one of paper, live"),
        ("max_position_pct", Decimal(0), "above 0, at most 100 %"),
        ("take_profit_pct", Decimal(0), "above 0, at most 1000 %"),
    ],
)
def test_each_cap_refuses_naming_the_field_and_the_limit(field: str, value: object, limit: str) -> None:
    with pytest.raises(StrategyRefusedError) as refused:
        with_changes(StrategyParameters(), **{field: value})
    assert refused.value.details["violations"][0] == {"field": field, "limit": limit, "value": str(value)}
    assert refused.value.message.startswith(f"{field} must be {limit}")


def test_every_violation_is_listed_not_only_the_first() -> None:
    with pytest.raises(StrategyRefusedError) as refused:
        with_changes(StrategyParameters(), max_leverage=Decimal(9), cooldown_minutes=1)
    assert [v["field"] for v in refused.value.details["violations"]] == ["max_leverage", "cooldown_minutes"]


def test_the_caps_themselves_are_accepted() -> None:
    p = with_changes(
        StrategyParameters(),
        max_leverage=CAPS.max_leverage,
        stop_loss_pct=CAPS.min_stop_loss_pct,
        cooldown_minutes=CAPS.min_cooldown_minutes,
        max_concurrent_positions=CAPS.max_positions,
        protocols=("kamino",),
    )
    assert p.max_leverage == 5 and p.protocols == ("kamino",)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(StrategyRefusedError, match="unknown strategy fields: leverage"):
        with_changes(StrategyParameters(), leverage=2)
