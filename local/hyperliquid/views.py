"""``/info`` answers in the shapes of Hyperliquid's API (numbers as float strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from local.hyperliquid.accounts import Account, liquidation_price, margin_used, summarize
from local.hyperliquid.markets import Market, usd, wire
from local.hyperliquid.state import HyperliquidState

BOOK_LEVELS = 10
LEVEL_NOTIONAL = Decimal(100_000)  # the simulator fills any size at the mark; the book only shows depth
USDC_TOKEN = {
    "name": "USDC",
    "szDecimals": 8,
    "weiDecimals": 8,
    "index": 0,
    "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054",
    "isCanonical": True,
    "evmContract": None,
    "fullName": None,
}


def _px(value: Decimal) -> str | None:
    return wire(value.quantize(Decimal("0.00000001")).normalize())


def meta(state: HyperliquidState) -> dict[str, Any]:
    return {
        "universe": [
            {
                "name": m.name,
                "szDecimals": m.sz_decimals,
                "maxLeverage": m.max_leverage,
                "marginTableId": m.max_leverage,
            }
            for m in state.universe
        ]
    }


def asset_ctx(state: HyperliquidState, market: Market) -> dict[str, Any]:
    bid, ask = _impact(state, market)
    return {
        "funding": wire(market.next_rate),
        "openInterest": wire(market.open_interest),
        "prevDayPx": wire(market.prev_day_px or market.mark),
        "dayNtlVlm": wire(usd(market.day_volume)),
        "premium": "0.0",
        "oraclePx": wire(market.mark),
        "markPx": wire(market.mark),
        "midPx": wire(market.mark),
        "impactPxs": [wire(bid), wire(ask)],
        "dayBaseVlm": "0.0",
    }


def _impact(state: HyperliquidState, market: Market) -> tuple[Decimal, Decimal]:
    return (
        market.round_price(market.mark * (1 - state.slippage)),
        market.round_price(market.mark * (1 + state.slippage)),
    )


def meta_and_asset_ctxs(state: HyperliquidState) -> list[Any]:
    with state.lock:
        return [meta(state), [asset_ctx(state, m) for m in state.universe]]


def all_mids(state: HyperliquidState) -> dict[str, Any]:
    with state.lock:
        return {m.name: wire(m.mark) for m in state.universe}


def l2_book(state: HyperliquidState, coin: str) -> dict[str, Any]:
    """A synthetic book: the best levels sit where market orders fill, then one slippage step apart."""
    with state.lock:
        market = state.market(coin)
        step = max(state.slippage, Decimal("0.0001"))
        bids, asks = [], []
        for i in range(BOOK_LEVELS):
            offset = state.slippage + step * i
            size = wire(
                (LEVEL_NOTIONAL * (i + 1) / market.mark).quantize(Decimal(1).scaleb(-market.sz_decimals))
            )
            bids.append({"px": wire(market.round_price(market.mark * (1 - offset))), "sz": size, "n": i + 1})
            asks.append({"px": wire(market.round_price(market.mark * (1 + offset))), "sz": size, "n": i + 1})
        return {"coin": coin, "time": state.clock.now_ms(), "levels": [bids, asks]}


def _position(state: HyperliquidState, account: Account, coin: str) -> dict[str, Any]:
    position = account.positions[coin]
    market = state.markets[coin]
    leverage = account.leverage_for(market)
    used = margin_used(account, position, market)
    upnl = position.unrealized_pnl(market.mark)
    entry_margin = abs(position.szi) * position.entry_px / leverage
    liq = liquidation_price(account, position, state.markets)
    return {
        "type": "oneWay",
        "position": {
            "coin": coin,
            "szi": wire(position.szi),
            "entryPx": _px(position.entry_px),
            "positionValue": wire(usd(position.notional(market.mark))),
            "unrealizedPnl": wire(usd(upnl)),
            "returnOnEquity": wire((upnl / entry_margin).quantize(Decimal("0.000000001"))),
            "leverage": {"type": "cross", "value": leverage},
            "liquidationPx": _px(liq) if liq is not None else None,
            "marginUsed": wire(usd(used)),
            "maxLeverage": market.max_leverage,
            "cumFunding": {
                "allTime": wire(position.funding_all_time),
                "sinceOpen": wire(position.funding_since_open),
                "sinceChange": wire(position.funding_since_change),
            },
        },
    }


def clearinghouse_state(state: HyperliquidState, user: str) -> dict[str, Any]:
    with state.lock:
        account = state.accounts.get(user.lower()) or Account(user.lower())
        s = summarize(account, state.markets)
        margin = {
            "accountValue": wire(usd(s.account_value)),
            "totalNtlPos": wire(usd(s.total_ntl_pos)),
            "totalRawUsd": wire(usd(s.total_raw_usd)),
            "totalMarginUsed": wire(usd(s.total_margin_used)),
        }
        return {
            "marginSummary": margin,
            "crossMarginSummary": dict(margin),
            "crossMaintenanceMarginUsed": wire(usd(s.maintenance_margin)),
            "withdrawable": wire(usd(s.withdrawable)),
            "assetPositions": [_position(state, account, p.coin) for p in account.open_positions()],
            "time": state.clock.now_ms(),
        }


def spot_meta() -> dict[str, Any]:
    return {"universe": [], "tokens": [USDC_TOKEN]}


def spot_clearinghouse_state(state: HyperliquidState, user: str) -> dict[str, Any]:
    with state.lock:
        account = state.accounts.get(user.lower())
        total = account.spot_usdc if account else Decimal(0)
        return {
            "balances": [{"coin": "USDC", "token": 0, "hold": "0.0", "total": wire(total), "entryNtl": "0.0"}]
        }


def open_orders(state: HyperliquidState, user: str) -> list[dict[str, Any]]:
    with state.lock:
        orders = [o for o in state.resting.values() if o.user == user.lower()]
        return [
            {
                "coin": o.coin,
                "limitPx": wire(o.limit_px),
                "oid": o.oid,
                "side": "B" if o.is_buy else "A",
                "sz": wire(o.sz),
                "origSz": wire(o.sz),
                "timestamp": o.timestamp,
                "reduceOnly": o.reduce_only,
                **({"cloid": o.cloid} if o.cloid else {}),
            }
            for o in reversed(orders)
        ]


def order_status(state: HyperliquidState, user: str, oid_or_cloid: Any) -> dict[str, Any]:
    with state.lock:
        return state.orders.lookup(user, oid_or_cloid)


def _in_window(rows: list[dict[str, Any]], start: Any, end: Any) -> list[dict[str, Any]]:
    lo = int(start) if isinstance(start, int) else 0
    hi = int(end) if isinstance(end, int) else None
    return [r for r in rows if r["time"] >= lo and (hi is None or r["time"] <= hi)]


def funding_history(state: HyperliquidState, coin: str, start: Any, end: Any) -> list[dict[str, Any]]:
    with state.lock:
        state.market(coin)
        return _in_window(list(state.funding_history[coin]), start, end)


def user_funding(state: HyperliquidState, user: str, start: Any, end: Any) -> list[dict[str, Any]]:
    with state.lock:
        return _in_window(list(state.user_funding.get(user.lower(), [])), start, end)


def ledger_updates(state: HyperliquidState, user: str, start: Any, end: Any) -> list[dict[str, Any]]:
    with state.lock:
        return _in_window(list(state.ledger_updates.get(user.lower(), [])), start, end)


def user_fills(
    state: HyperliquidState, user: str, start: Any = None, end: Any = None
) -> list[dict[str, Any]]:
    """Newest first, at most 2000, as Hyperliquid answers."""
    with state.lock:
        rows = _in_window(list(state.fills.get(user.lower(), [])), start, end)
        return list(reversed(rows))[:2000]


def predicted_fundings(state: HyperliquidState) -> list[Any]:
    with state.lock:
        next_time = (state.clock.now_ms() // 3_600_000 + 1) * 3_600_000
        return [
            [
                m.name,
                [
                    [
                        "HlPerp",
                        {
                            "fundingRate": wire(m.next_rate),
                            "nextFundingTime": next_time,
                            "fundingIntervalHours": 1,
                        },
                    ]
                ],
            ]
            for m in state.universe
        ]
