"""Parsing Hyperliquid answers shaped like the API documentation's examples (fields, float strings,
nulls and extra fields included) into the typed views."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from basis.venues.hyperliquid.models import (
    FundingRate,
    FundingStats,
    HyperliquidActionError,
    HyperliquidResponseError,
    parse_clearinghouse_state,
    parse_funding_history,
    parse_ledger_deposits,
    parse_meta_and_asset_ctxs,
    parse_order_response,
    parse_predicted_fundings,
    parse_user_fills,
)

# The documented clearinghouseState example (an isolated ETH long).
CLEARINGHOUSE: dict[str, Any] = {
    "assetPositions": [
        {
            "position": {
                "coin": "ETH",
                "cumFunding": {"allTime": "514.085417", "sinceChange": "0.0", "sinceOpen": "0.0"},
                "entryPx": "2986.3",
                "leverage": {"rawUsd": "-95.059824", "type": "isolated", "value": 20},
                "liquidationPx": "2866.26936529",
                "marginUsed": "4.967826",
                "maxLeverage": 50,
                "positionValue": "100.02765",
                "returnOnEquity": "-0.0026789",
                "szi": "0.0335",
                "unrealizedPnl": "-0.0134",
            },
            "type": "oneWay",
        }
    ],
    "crossMaintenanceMarginUsed": "0.0",
    "crossMarginSummary": {
        "accountValue": "13104.514502",
        "totalMarginUsed": "0.0",
        "totalNtlPos": "0.0",
        "totalRawUsd": "13104.514502",
    },
    "marginSummary": {
        "accountValue": "13109.482328",
        "totalMarginUsed": "4.967826",
        "totalNtlPos": "100.02765",
        "totalRawUsd": "13009.454678",
    },
    "time": 1708622398623,
    "withdrawable": "13104.514502",
}


def test_clearinghouse_state_parses_exact_decimals_and_positions() -> None:
    state = parse_clearinghouse_state(CLEARINGHOUSE)
    assert state.account_value == Decimal("13109.482328")
    assert state.total_margin_used == Decimal("4.967826")
    assert state.withdrawable == state.available_to_withdraw == Decimal("13104.514502")
    (eth,) = state.positions
    assert (eth.coin, eth.szi, eth.entry_px, eth.leverage_type, eth.leverage) == (
        "ETH",
        Decimal("0.0335"),
        Decimal("2986.3"),
        "isolated",
        20,
    )
    assert eth.liquidation_px == Decimal("2866.26936529") and eth.funding_all_time == Decimal("514.085417")
    assert not eth.is_short and state.position("ETH") is eth and state.position("BTC") is None


def test_withdrawable_falls_back_to_account_value_minus_margin_used() -> None:
    without = {k: v for k, v in CLEARINGHOUSE.items() if k != "withdrawable"}
    assert parse_clearinghouse_state(without).available_to_withdraw == Decimal("13104.514502")
    # 13109.482328 - 4.967826: the same number Hyperliquid reports here, computed.
    underwater = {**without, "marginSummary": {**CLEARINGHOUSE["marginSummary"], "accountValue": "3.0"}}
    assert parse_clearinghouse_state(underwater).available_to_withdraw == Decimal(0)
    explicit_zero = {**CLEARINGHOUSE, "withdrawable": "0.0"}
    assert parse_clearinghouse_state(explicit_zero).available_to_withdraw == Decimal(0)


def test_a_short_with_no_liquidation_price_and_an_empty_account() -> None:
    short = {
        **CLEARINGHOUSE,
        "assetPositions": [
            {
                "type": "oneWay",
                "position": {
                    **CLEARINGHOUSE["assetPositions"][0]["position"],
                    "coin": "SOL",
                    "szi": "-1.0",
                    "liquidationPx": None,
                    "leverage": {"type": "cross", "value": 5},
                    "cumFunding": {"allTime": "-0.12", "sinceOpen": "-0.12", "sinceChange": "-0.12"},
                },
            }
        ],
    }
    (sol,) = parse_clearinghouse_state(short).positions
    assert sol.is_short and sol.liquidation_px is None and sol.funding_since_open == Decimal("-0.12")
    empty = {
        "marginSummary": {
            "accountValue": "0.0",
            "totalMarginUsed": "0.0",
            "totalNtlPos": "0.0",
            "totalRawUsd": "0.0",
        },
        "withdrawable": "0.0",
        "assetPositions": [],
        "time": 1,
    }
    assert parse_clearinghouse_state(empty).positions == ()


@pytest.mark.parametrize(
    "bad", [None, [], {"marginSummary": {}}, {"marginSummary": {"accountValue": "x", "totalMarginUsed": "0"}}]
)
def test_malformed_clearinghouse_state_is_a_response_error(bad: object) -> None:
    with pytest.raises(HyperliquidResponseError):
        parse_clearinghouse_state(bad)


def test_meta_and_asset_ctxs_with_extra_fields_and_a_null_mid() -> None:
    payload: list[Any] = [
        {
            "universe": [
                {"name": "BTC", "szDecimals": 5, "maxLeverage": 50},
                {"name": "HPOS", "szDecimals": 0, "maxLeverage": 3, "onlyIsolated": True, "isDelisted": True},
            ]
        },
        [
            {
                "dayNtlVlm": "1169046.29406",
                "funding": "0.0000125",
                "impactPxs": ["94990.0", "95010.0"],
                "markPx": "95000.0",
                "midPx": "95001.0",
                "openInterest": "688.11",
                "oraclePx": "95002.0",
                "premium": "0.00031774",
                "prevDayPx": "94000.0",
            },
            {
                "dayNtlVlm": "0.0",
                "funding": "-0.0001",
                "impactPxs": None,
                "markPx": "14.3161",
                "midPx": None,
                "openInterest": "0.0",
                "oraclePx": "14.32",
                "premium": None,
                "prevDayPx": "15.322",
            },
        ],
    ]
    metas, ctxs = parse_meta_and_asset_ctxs(payload)
    assert [(m.name, m.asset, m.sz_decimals, m.max_leverage, m.delisted) for m in metas] == [
        ("BTC", 0, 5, 50, False),
        ("HPOS", 1, 0, 3, True),
    ]
    assert ctxs["BTC"].funding == Decimal("0.0000125") and ctxs["BTC"].mark_px == Decimal(95000)
    assert ctxs["HPOS"].mid_px is None and ctxs["HPOS"].premium is None and ctxs["HPOS"].funding < 0
    with pytest.raises(HyperliquidResponseError):
        parse_meta_and_asset_ctxs([payload[0], payload[1][:1]])


def test_predicted_fundings_per_venue_with_intervals_and_nulls() -> None:
    payload: list[Any] = [
        [
            "AVAX",
            [
                ["BinPerp", {"fundingRate": "0.0001", "nextFundingTime": 1733961600000}],
                ["HlPerp", {"fundingRate": "0.0000125", "nextFundingTime": 1733958000000}],
            ],
        ],
        [
            "SOL",
            [
                [
                    "BinPerp",
                    {"fundingRate": "0.0004", "nextFundingTime": 1733961600000, "fundingIntervalHours": 4},
                ],
                ["BybitPerp", None],
                [
                    "HlPerp",
                    {"fundingRate": "0.00002", "nextFundingTime": 1733958000000, "fundingIntervalHours": 1},
                ],
            ],
        ],
    ]
    sol = {p.venue: p for p in parse_predicted_fundings(payload, "SOL")}
    assert set(sol) == {"BinPerp", "HlPerp"}
    assert sol["BinPerp"].hourly_rate == Decimal("0.0001") and sol["HlPerp"].hourly_rate == Decimal("0.00002")
    avax = {p.venue: p for p in parse_predicted_fundings(payload, "AVAX")}
    assert avax["BinPerp"].interval_hours == 8 and avax["HlPerp"].interval_hours == 1
    assert parse_predicted_fundings(payload, "BTC") == []


def test_funding_history_is_sorted_and_stats_measure_volatility() -> None:
    payload: list[Any] = [
        {"coin": "ETH", "fundingRate": "0.0003", "premium": "0.0", "time": 3},
        {"coin": "ETH", "fundingRate": "-0.00022196", "premium": "-0.00052196", "time": 1},
        {"coin": "ETH", "fundingRate": "0.0001", "premium": "0.0", "time": 2},
    ]
    rows = parse_funding_history(payload)
    assert [r.time_ms for r in rows] == [1, 2, 3] and rows[0].premium == Decimal("-0.00052196")
    stats = FundingStats.of(
        "ETH",
        [FundingRate("ETH", Decimal(r), i) for i, r in enumerate(["0.0001", "0.0003", "0.0001", "0.0003"])],
    )
    assert (stats.samples, stats.mean_hourly, stats.stdev_hourly) == (4, Decimal("0.0002"), Decimal("0.0001"))
    assert stats.annualized_mean == Decimal("1.752")
    steady = FundingStats.of("ETH", [FundingRate("ETH", Decimal("0.0001"), i) for i in range(5)])
    assert steady.stdev_hourly == 0 and FundingStats.of("ETH", []).samples == 0


def test_order_statuses_filled_resting_and_errors() -> None:
    filled = {
        "status": "ok",
        "response": {
            "type": "order",
            "data": {
                "statuses": [
                    {"filled": {"totalSz": "0.02", "avgPx": "1891.4", "oid": 77747314}},
                    {"resting": {"oid": 77738308}},
                ]
            },
        },
    }
    first, second = parse_order_response(filled)
    assert (first.status, first.oid, first.filled_sz, first.avg_px) == (
        "filled",
        77747314,
        Decimal("0.02"),
        Decimal("1891.4"),
    )
    assert (second.status, second.oid, second.avg_px) == ("resting", 77738308, None)
    rejected = {
        "status": "ok",
        "response": {
            "type": "order",
            "data": {"statuses": [{"error": "Order must have minimum value of $10."}]},
        },
    }
    with pytest.raises(HyperliquidActionError, match="minimum value"):
        parse_order_response(rejected)
    with pytest.raises(HyperliquidActionError, match="does not exist"):
        parse_order_response({"status": "err", "response": "User or API Wallet 0xabc does not exist."})


def test_user_fills_as_documented() -> None:
    payload: list[Any] = [
        {
            "closedPnl": "0.0",
            "coin": "AVAX",
            "crossed": False,
            "dir": "Open Long",
            "hash": "0xa166e3fa63c25663024b03f2e0da011a00307e4017465df020210d3d432e7cb8",
            "oid": 90542681,
            "px": "18.435",
            "side": "B",
            "startPosition": "26.86",
            "sz": "93.53",
            "time": 1681222254710,
            "fee": "0.01",
            "feeToken": "USDC",
            "builderFee": "0.01",
            "tid": 118906512037719,
        }
    ]
    (fill,) = parse_user_fills(payload)
    assert (fill.coin, fill.px, fill.sz, fill.side, fill.direction, fill.fee, fill.tid) == (
        "AVAX",
        Decimal("18.435"),
        Decimal("93.53"),
        "B",
        "Open Long",
        Decimal("0.01"),
        118906512037719,
    )


def test_ledger_deposits_are_picked_out_of_the_non_funding_updates() -> None:
    payload = [
        {"time": 3, "hash": "0xc", "delta": {"type": "withdraw", "usdc": "25.0", "nonce": 3, "fee": "1.0"}},
        {"time": 2, "hash": "0xb", "delta": {"type": "accountClassTransfer", "usdc": "10.0", "toPerp": True}},
        {"time": 1, "hash": "0xa", "delta": {"type": "deposit", "usdc": "2703997.45"}},
        {"time": 4, "hash": "0xd", "delta": {"type": "deposit", "usdc": "100.0"}},
    ]
    deposits = parse_ledger_deposits(payload)
    assert [(d.usdc, d.time_ms, d.hash) for d in deposits] == [
        (Decimal("2703997.45"), 1, "0xa"),
        (Decimal(100), 4, "0xd"),
    ]
    with pytest.raises(HyperliquidResponseError):
        parse_ledger_deposits([{"time": 1, "delta": {"type": "deposit"}}])
