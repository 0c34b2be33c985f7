"""``HyperliquidTrader`` over a recorded ``/info`` transport and a recording exchange: what it signs
(sizes, prices, reduce-only, leverage), what it refuses before signing, and its price rounding."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basis.venues.hyperliquid.models import parse_order_status
from basis.venues.hyperliquid.trader import (
    HyperliquidTrader,
    InsufficientWithdrawableError,
    ReadOnlyTraderError,
    cloid_for,
    market_price,
    order_size,
    usdc_units,
)
from local.hyperliquid.markets import Market

ADDRESS = "0x1111111111111111111111111111111111111111"
META = [
    {
        "universe": [
            {"name": "BTC", "szDecimals": 5, "maxLeverage": 40},
            {"name": "SOL", "szDecimals": 2, "maxLeverage": 20},
        ]
    },
    [
        {
            "funding": "0.0000125",
            "markPx": "95000.0",
            "oraclePx": "95000.0",
            "midPx": "95000.0",
            "openInterest": "1.0",
            "premium": "0.0",
        },
        {
            "funding": "0.0001",
            "markPx": "150.0",
            "oraclePx": "150.0",
            "midPx": "150.0",
            "openInterest": "1.0",
            "premium": "0.0",
        },
    ],
]


def state(szi: str | None = None, withdrawable: str | None = "80.0") -> dict[str, Any]:
    positions = (
        []
        if szi is None
        else [
            {
                "type": "oneWay",
                "position": {
                    "coin": "SOL",
                    "szi": szi,
                    "entryPx": "149.92",
                    "positionValue": "150.0",
                    "unrealizedPnl": "-0.08",
                    "marginUsed": "30.0",
                    "leverage": {"type": "cross", "value": 5},
                    "liquidationPx": None,
                    "cumFunding": {"allTime": "0.0", "sinceOpen": "0.0", "sinceChange": "0.0"},
                },
            }
        ]
    )
    answer: dict[str, Any] = {
        "marginSummary": {
            "accountValue": "110.0",
            "totalMarginUsed": "30.0",
            "totalNtlPos": "150.0",
            "totalRawUsd": "0.0",
        },
        "assetPositions": positions,
        "time": 1,
    }
    if withdrawable is not None:
        answer["withdrawable"] = withdrawable
    return answer


class Response:
    def __init__(self, body: Any) -> None:
        self.body = body

    def raise_for_status(self) -> None:
        pass

    def json(self) -> Any:
        return self.body


class Session:
    """Answers ``/info`` by request type; records every body."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers, self.bodies = answers, []  # type: ignore[var-annotated]

    def post(self, url: str, json: dict[str, Any], timeout: float) -> Response:
        assert url == "http://hl.local/info"
        self.bodies.append(json)
        return Response(self.answers[json["type"]])


class Exchange:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def order(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(("order", args, kwargs))
        return {
            "status": "ok",
            "response": {
                "type": "order",
                "data": {"statuses": [{"filled": {"totalSz": str(args[2]), "avgPx": "149.92", "oid": 7}}]},
            },
        }

    def update_leverage(self, *args: Any) -> Any:
        self.calls.append(("update_leverage", args, {}))
        return {"status": "ok", "response": {"type": "default"}}

    def withdraw(self, *args: Any) -> Any:
        self.calls.append(("withdraw", args, {}))
        return {"status": "ok", "response": {"type": "default"}}


def trader(szi: str | None = None, withdrawable: str | None = "80.0") -> tuple[HyperliquidTrader, Exchange]:
    exchange = Exchange()
    session = Session({"metaAndAssetCtxs": META, "clearinghouseState": state(szi, withdrawable)})
    return HyperliquidTrader("http://hl.local/", exchange, ADDRESS, session=session), exchange  # type: ignore[arg-type]


def test_open_short_by_notional_sets_leverage_then_sells_ioc_below_the_mark() -> None:
    t, exchange = trader()
    result = t.open_short("SOL", usd_notional=Decimal(200), leverage=5)
    assert result.status == "filled" and result.oid == 7
    assert exchange.calls[0] == ("update_leverage", (5, "SOL", True), {})
    name, args, kwargs = exchange.calls[1]
    # 200 / 150 = 1.333.. -> 1.33 (2 size decimals, rounded down); 150 * 0.99 = 148.5
    assert (name, args, kwargs) == (
        "order",
        ("SOL", False, 1.33, 148.5, {"limit": {"tif": "Ioc"}}),
        {"reduce_only": False, "cloid": None},
    )


def test_a_cloid_tags_the_order_and_finds_it_again() -> None:
    cloid = cloid_for("pos-1", "short", "open", 1)
    assert cloid == cloid_for("pos-1", "short", "open", 1) != cloid_for("pos-1", "short", "open", 2)
    assert len(cloid) == 34 and cloid.startswith("0x")
    t, exchange = trader(szi="-1.25")
    t.close_short("SOL", size=Decimal("0.5"), cloid=cloid)
    _, args, kwargs = exchange.calls[0]
    assert args[2] == 0.5 and kwargs["cloid"].to_raw() == cloid  # only this position's size


def test_order_status_unknown_filled_and_the_fills_of_one_order() -> None:
    cloid = "0x" + "1" * 32
    order = {"coin": "SOL", "side": "A", "limitPx": "148.5", "sz": "0.0", "oid": 7, "origSz": "1.33",
             "timestamp": 1, "cloid": cloid}  # fmt: skip
    found = {"status": "order", "order": {"order": order, "status": "filled", "statusTimestamp": 2}}
    fill = {
        "coin": "SOL",
        "sz": "1.0",
        "side": "A",
        "dir": "Open Short",
        "closedPnl": "0.0",
        "oid": 7,
        "time": 1,
    }
    other = {**fill, "oid": 8, "px": "1.0"}
    session = Session(
        {"orderStatus": found, "userFills": [{**fill, "px": "149.0", "fee": "0.1"},
                                             {**fill, "px": "150.0", "sz": "0.33", "fee": "0.02"}, other]}
    )  # fmt: skip
    t = HyperliquidTrader("http://hl.local/", None, ADDRESS, session=session)
    status = t.order_status(cloid)
    assert status is not None and status.filled and (status.oid, status.orig_sz) == (7, Decimal("1.33"))
    assert session.bodies[-1] == {"type": "orderStatus", "user": ADDRESS, "oid": cloid}
    fills = t.order_fills(7)
    assert (fills.sz, fills.fee) == (Decimal("1.33"), Decimal("0.12"))
    assert fills.avg_px == (Decimal(149) + Decimal("0.33") * 150) / Decimal("1.33")
    assert parse_order_status({"status": "unknownOid"}) is None


def test_close_short_buys_back_the_whole_position_reduce_only() -> None:
    t, exchange = trader(szi="-1.25")
    t.close_short("SOL")
    assert exchange.calls == [
        ("order", ("SOL", True, 1.25, 151.5, {"limit": {"tif": "Ioc"}}), {"reduce_only": True, "cloid": None})
    ]
    flat, nothing = trader()
    assert flat.close_short("SOL") is None and nothing.calls == []


def test_leverage_outside_the_market_limit_is_refused_before_signing() -> None:
    t, exchange = trader()
    with pytest.raises(ValueError, match=r"outside 1\.\.20"):
        t.open_short("SOL", size=Decimal(1), leverage=21)
    assert exchange.calls == []


def test_withdraw_is_capped_by_withdrawable_before_signing() -> None:
    t, exchange = trader()
    with pytest.raises(InsufficientWithdrawableError) as refused:
        t.withdraw(Decimal("80.000001"), ADDRESS)
    assert refused.value.available == Decimal(80) and exchange.calls == []
    assert t.withdraw(Decimal(80), ADDRESS) == Decimal(79)
    assert exchange.calls == [("withdraw", ("80", ADDRESS), {})]
    fallback, _ = trader(withdrawable=None)
    assert fallback.get_withdrawable_balance() == Decimal(80)  # 110 - 30


def test_a_trader_without_an_exchange_reads_but_cannot_sign() -> None:
    session = Session({"metaAndAssetCtxs": META, "clearinghouseState": state()})
    t = HyperliquidTrader("http://hl.local", None, ADDRESS, session=session)
    assert t.mark_price("SOL") == Decimal(150) and t.current_funding_rate("SOL") == Decimal("0.0001")
    with pytest.raises(ReadOnlyTraderError):
        t.open_short("SOL", size=Decimal(1))
    assert {"type": "clearinghouseState", "user": ADDRESS} not in session.bodies


def test_order_size_needs_exactly_one_amount_and_a_nonzero_size() -> None:
    assert order_size(None, Decimal(100), Decimal(95000), 5) == Decimal("0.00105")
    with pytest.raises(ValueError, match="exactly one"):
        order_size(Decimal(1), Decimal(1), Decimal(150), 2)
    with pytest.raises(ValueError, match="rounds to zero"):
        order_size(Decimal("0.004"), None, Decimal(150), 2)


@pytest.mark.parametrize(
    ("mark", "sz_decimals", "is_buy", "expected"),
    [
        ("150", 2, False, "148.5"),
        ("95000.5", 5, True, "95951"),
        ("3456.78", 4, False, "3422.2"),
        ("0.123456", 2, False, "0.1222"),
        ("123456", 3, True, "124690"),
    ],
)
def test_market_price_matches_the_sdks_rounding(
    mark: str, sz_decimals: int, is_buy: bool, expected: str
) -> None:
    px = market_price(Decimal(mark), sz_decimals, is_buy=is_buy, slippage=Decimal("0.01"))
    assert px == Decimal(expected)
    sdk = float(mark) * (1.01 if is_buy else 0.99)  # hyperliquid.exchange.Exchange._slippage_price
    assert float(px) == round(float(f"{sdk:.5g}"), 6 - sz_decimals)


@given(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(500000), places=4),
    st.integers(min_value=0, max_value=5),
    st.booleans(),
)
def test_market_prices_always_pass_the_tick_rule(mark: Decimal, sz_decimals: int, is_buy: bool) -> None:
    px = market_price(mark, sz_decimals, is_buy=is_buy, slippage=Decimal("0.01"))
    if px > 0:
        assert Market("X", sz_decimals, 10, mark).valid_price(px), px


def test_a_deposit_credit_is_matched_by_its_arbitrum_hash_in_base_units() -> None:
    """Not by amount alone: another deposit of the same amount is not this one; the ledger's float
    noise (``2703997.4500000002``) still matches 2703997.45 USDC."""
    ours, other = "0x" + "ab" * 32, "0x" + "cd" * 32
    ledger = [
        {"time": 1, "hash": other, "delta": {"type": "deposit", "usdc": "2703997.45"}},
        {
            "time": 2,
            "hash": ours.upper().replace("0X", "0x"),
            "delta": {"type": "deposit", "usdc": "2703997.4500000002"},
        },
    ]
    trader = HyperliquidTrader(
        "http://hl.local", None, ADDRESS, session=Session({"userNonFundingLedgerUpdates": ledger})
    )
    found = trader.credited_deposit(ours, 2_703_997_450_000)
    assert found is not None and found.time_ms == 2
    assert trader.credited_deposit(ours, 2_703_997_440_000) is None  # another amount
    assert trader.credited_deposit("0x" + "ef" * 32, 2_703_997_450_000) is None  # not credited yet
    assert usdc_units(Decimal("5.4999999999")) == 5_500_000
