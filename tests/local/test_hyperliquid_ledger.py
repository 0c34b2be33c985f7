"""The Hyperliquid simulator's ledger rules: nonces, tick sizes, deposits, funding signs, margin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from local.hyperliquid import ActionError, HyperliquidState
from local.hyperliquid.markets import Market
from local.hyperliquid.nonces import DAY_MS, Clock, NonceError, NonceTracker

D = Decimal
ALICE = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
BOB = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"


def test_nonce_rules() -> None:
    clock = Clock()
    tracker = NonceTracker(clock, keep=3)
    now = clock.now_ms()
    tracker.use(ALICE, now)
    with pytest.raises(NonceError, match="duplicate"):
        tracker.use(ALICE, now)
    tracker.use(BOB, now)  # nonces are per signer
    with pytest.raises(NonceError, match="window"):
        tracker.use(ALICE, now - 2 * DAY_MS - 1)
    with pytest.raises(NonceError, match="window"):
        tracker.use(ALICE, now + DAY_MS + 1000)
    tracker.use(ALICE, now - 10)  # older but unseen is fine while the set is not full
    tracker.use(ALICE, now + 10)
    tracker.use(ALICE, now + 20)  # set full: {now, now+10, now+20}
    with pytest.raises(NonceError, match="smallest"):
        tracker.use(ALICE, now - 5)
    clock.advance(3 * 86_400)
    with pytest.raises(NonceError, match="window"):
        tracker.use(ALICE, now + 30)  # the window follows the simulator's clock


def test_tick_rules_match_hyperliquid() -> None:
    sol = Market("SOL", 2, 20, D(150))
    assert sol.valid_price(D("149.92")) and sol.valid_price(D("150"))
    assert not sol.valid_price(D("149.925"))  # 6 significant figures
    assert not sol.valid_price(D("1.23456"))  # more than 6 - 2 decimals
    btc = Market("BTC", 5, 40, D(95000))
    assert btc.valid_price(D("123456")) and not btc.valid_price(D("95000.5"))
    assert sol.round_price(D("149.9251")) == D("149.93") and btc.round_price(D("95047.6")) == D("95048")
    assert sol.valid_size(D("0.01")) and not sol.valid_size(D("0.001")) and not sol.valid_size(D(0))


def test_deposits_idempotent_and_minimum() -> None:
    state = HyperliquidState()
    assert state.credit_deposit(ALICE, D("4.999999"), "tx:0") is False
    assert not state.has_account(ALICE)
    assert state.credit_deposit(ALICE, D(5), "tx:1") is True
    assert state.credit_deposit(ALICE, D(5), "tx:1") is False
    assert state.credit_deposit(ALICE, D(5), "tx:0") is False  # a refused ref stays spent
    assert state.accounts[ALICE].balance == D(5)


def test_funding_longs_pay_shorts_receive_and_rates_cycle() -> None:
    state = HyperliquidState()
    for user in (ALICE, BOB):
        state.credit_deposit(user, D(1000), f"tx-{user}")
    sol = state.asset_of("SOL")
    state.place_orders(
        ALICE, [{"a": sol, "b": True, "p": "200", "s": "2", "r": False, "t": {"limit": {"tif": "Ioc"}}}]
    )
    state.place_orders(
        BOB, [{"a": sol, "b": False, "p": "100", "s": "2", "r": False, "t": {"limit": {"tif": "Ioc"}}}]
    )
    alice_before, bob_before = state.accounts[ALICE].balance, state.accounts[BOB].balance
    state.set_funding_path("SOL", [D("0.0001"), D("-0.0002")])
    start = state.clock.now_ms()
    rows = state.accrue_funding(hours=3)
    assert [r["fundingRate"] for r in rows if r["coin"] == "SOL"] == ["0.0001", "-0.0002", "0.0001"]
    assert state.clock.now_ms() - start >= 3 * 3_600_000
    # 2 SOL * 150 * (0.0001 - 0.0002 + 0.0001) = 0
    assert state.accounts[ALICE].balance == alice_before and state.accounts[BOB].balance == bob_before
    state.accrue_funding(hours=1)  # 2 * 150 * 0.0002 the other way
    assert state.accounts[ALICE].balance == alice_before + D("0.06")
    assert state.accounts[BOB].balance == bob_before - D("0.06")


def test_order_validation_errors() -> None:
    state = HyperliquidState()
    state.credit_deposit(ALICE, D(1000), "tx")
    sol = state.asset_of("SOL")
    base = {"a": sol, "b": False, "p": "140", "s": "1", "r": False, "t": {"limit": {"tif": "Ioc"}}}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"s": "0.001"}, "invalid size"),
        ({"p": "140.001"}, "tick size"),
        ({"s": "0.05"}, "minimum value"),
        ({"p": "160"}, "could not immediately match"),
        ({"t": {"trigger": {"triggerPx": "140", "isMarket": True, "tpsl": "sl"}}}, "Only limit orders"),
        ({"a": 99}, "Invalid asset"),
    ]
    for change, message in cases:
        [status] = state.place_orders(ALICE, [{**base, **change}])
        assert message in status["error"], (change, status)
    assert state.accounts[ALICE].positions == {}
    with pytest.raises(ActionError, match="does not exist"):
        state.place_orders(BOB, [base])
