"""The monitor's exit decision for one position (seed 7.2.4): each trigger, its threshold at the
boundary, the proximity window on an injected clock, and the timers keyed per user and venue (C4, G8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from basis.monitor import exits, proximity
from basis.monitor.exits import Limits, Readings
from basis.scan.criteria import carry_apy
from basis.scan.market import AssetMarket
from basis.strategy.config import StrategyParameters
from tests.unit.monitor.positions import OPENED, open_position

LIMITS = Limits(timedelta(seconds=20), Decimal(5), Decimal("0.8"))
# Stop loss 10 %, take profit 20 %, exit under 5 % carry.
PARAMETERS = StrategyParameters(
    enabled=True, stop_loss_pct=Decimal(10), take_profit_pct=Decimal(20), min_exit_carry_apy=Decimal(5)
)
CALM = Readings(
    pnl_usd=Decimal(1),
    capital_usd=Decimal(100),
    carry_apy=Decimal(30),
    health_factor=Decimal(25),
    margin_ratio=Decimal("0.1"),
)
NOW = OPENED + timedelta(hours=1)


def judge(readings: Readings, parameters: StrategyParameters = PARAMETERS, **kw: object) -> str | None:
    timers: dict[str, datetime] = kw.pop("timers", {})  # type: ignore[assignment]
    now: datetime = kw.pop("now", NOW)  # type: ignore[assignment]
    return exits.judge(open_position(), readings, parameters, timers, now, LIMITS).exit


def test_a_calm_position_holds_and_knows_everything() -> None:
    judgement = exits.judge(open_position(), CALM, PARAMETERS, {}, NOW, LIMITS)
    assert (judgement.exit, judgement.unknown) == (None, ())


def test_the_capital_is_the_longs_collateral_and_the_shorts_margin() -> None:
    assert exits.capital_usd(open_position()) == Decimal(100)
    assert (
        exits.capital_usd(replace(open_position(), short=replace(open_position().short, size=None))) is None
    )


@pytest.mark.parametrize(
    ("pnl", "reason"),
    [
        (Decimal("-9.99"), None),
        (Decimal(-10), "stop_loss"),  # at the threshold: out
        (Decimal(-40), "stop_loss"),
        (Decimal("19.99"), None),
        (Decimal(20), "take_profit"),
        (Decimal(55), "take_profit"),
    ],
)
def test_stop_loss_and_take_profit_at_their_boundaries(pnl: Decimal, reason: str | None) -> None:
    assert judge(replace(CALM, pnl_usd=pnl)) == reason


def test_without_a_take_profit_a_gain_holds() -> None:
    assert judge(replace(CALM, pnl_usd=Decimal(500)), replace(PARAMETERS, take_profit_pct=None)) is None


@pytest.mark.parametrize(
    ("carry", "reason"),
    [
        (Decimal("5.01"), None),
        (Decimal(5), None),
        (Decimal("4.99"), "carry_below_exit"),
        (Decimal(-3), "carry_below_exit"),
    ],
)
def test_carry_under_the_exit_threshold(carry: Decimal, reason: str | None) -> None:
    assert judge(replace(CALM, carry_apy=carry)) == reason


def test_the_carry_is_the_scans_formula_with_the_rates_sign() -> None:
    rate = Decimal("0.0000125")  # hourly: 0.01 % per 8 h
    market = AssetMarket("SOL", rate, None, None, None)
    assert exits.carry_now(market, Decimal(3)) == carry_apy(rate * 8, Decimal(3)) == Decimal("32.85")
    paying = AssetMarket("SOL", -rate, None, None, None)
    assert exits.carry_now(paying, Decimal(3)) == Decimal("-32.85")  # the short pays: no carry
    assert exits.carry_now(None, Decimal(3)) is None


def test_a_missing_reading_decides_nothing_and_is_named() -> None:
    judgement = exits.judge(open_position(), Readings(), PARAMETERS, {}, NOW, LIMITS)
    assert judgement.exit is None
    assert judgement.unknown == ("health_factor", "margin_ratio", "pnl", "carry")
    # What is known still decides.
    assert judge(Readings(carry_apy=Decimal(1))) == "carry_below_exit"


def test_liquidation_proximity_exits_only_once_held_for_the_window() -> None:
    near = replace(CALM, health_factor=Decimal(5))  # at the limit: near
    timers: dict[str, datetime] = {}
    assert judge(near, timers=timers, now=NOW) is None
    key = "did:privy:alice:asgard_PDApos-1"
    assert timers == {key: NOW}
    assert judge(near, timers=timers, now=NOW + timedelta(seconds=19)) is None
    assert timers == {key: NOW}  # kept, not restarted
    assert judge(near, timers=timers, now=NOW + timedelta(seconds=20)) == "asgard_liquidation_proximity"


def test_a_recovered_reading_clears_the_timer_and_an_unread_one_keeps_it() -> None:
    timers = {"did:privy:alice:asgard_PDApos-1": NOW}
    assert judge(replace(CALM, health_factor=None), timers=timers, now=NOW + timedelta(seconds=5)) is None
    assert "did:privy:alice:asgard_PDApos-1" in timers  # not read: unchanged
    assert judge(replace(CALM, health_factor=Decimal("5.01")), timers=timers) is None
    assert timers == {}
    # Near again later: the window starts over.
    later = NOW + timedelta(minutes=5)
    assert judge(replace(CALM, health_factor=Decimal(1)), timers=timers, now=later) is None
    assert timers == {"did:privy:alice:asgard_PDApos-1": later}


def test_hyperliquid_margin_proximity_at_its_boundary() -> None:
    timers = {"did:privy:alice:hyperliquid_SOL": NOW - timedelta(seconds=20)}
    assert judge(replace(CALM, margin_ratio=Decimal("0.79")), timers=dict(timers)) is None
    assert judge(replace(CALM, margin_ratio=Decimal("0.8")), timers=dict(timers)) == (
        "hyperliquid_liquidation_proximity"
    )


def test_proximity_comes_before_the_other_exits() -> None:
    timers = {"did:privy:alice:asgard_PDApos-1": NOW - timedelta(minutes=1)}
    everything = Readings(Decimal(-50), Decimal(100), Decimal(-1), Decimal(1), Decimal("0.1"))
    assert judge(everything, timers=timers) == "asgard_liquidation_proximity"
    assert judge(everything) == "stop_loss"  # no timer yet: the next trigger


def test_timer_keys_name_the_user_and_the_venue() -> None:
    live = open_position("did:privy:alice", "pos-1")
    assert proximity.keys(live) == ("did:privy:alice:asgard_PDApos-1", "did:privy:alice:hyperliquid_SOL")
    paper = open_position("did:privy:alice", "pos-2", mode="paper")
    assert proximity.keys(paper) == ("did:privy:alice:asgard_pos-2", "did:privy:alice:hyperliquid_pos-2")


def test_one_users_timer_never_affects_another_user() -> None:
    alice = open_position("did:privy:alice", "pos-1")
    bob = replace(open_position("did:privy:bob", "pos-1"), long=alice.long)  # even the same PDA
    near = replace(CALM, health_factor=Decimal(1), margin_ratio=Decimal("0.95"))
    timers: dict[str, datetime] = {}
    exits.judge(alice, near, PARAMETERS, timers, NOW - timedelta(minutes=5), LIMITS)
    assert set(timers) == {"did:privy:alice:asgard_PDApos-1", "did:privy:alice:hyperliquid_SOL"}
    # Bob near liquidation for the first time, sharing the map: his own timers start now.
    assert exits.judge(bob, near, PARAMETERS, timers, NOW, LIMITS).exit is None
    assert timers["did:privy:bob:asgard_PDApos-1"] == NOW
    # Bob recovering clears his timers only.
    exits.judge(bob, CALM, PARAMETERS, timers, NOW, LIMITS)
    assert set(timers) == {"did:privy:alice:asgard_PDApos-1", "did:privy:alice:hyperliquid_SOL"}
    assert exits.judge(alice, near, PARAMETERS, timers, NOW, LIMITS).exit == "asgard_liquidation_proximity"
