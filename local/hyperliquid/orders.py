"""Order wires and fills: parsing ``{"a", "b", "p", "s", "r", "t", "c"}`` and position arithmetic.

A fill at ``px`` for ``sz`` moves the position: opening or adding averages the entry price, reducing
realizes ``closed * (px - entry)`` (sign of the position), crossing zero re-opens at ``px``. The
taker fee is ``sz * px * taker_fee``. A fill that grows the position is refused when the account
value after it would not cover the initial margin.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from local.hyperliquid.accounts import Account, Position, summarize
from local.hyperliquid.errors import ActionError, parse_decimal
from local.hyperliquid.markets import Market, usd

TIFS = ("Gtc", "Ioc", "Alo")


@dataclass(frozen=True)
class OrderRequest:
    asset: int
    market: Market
    is_buy: bool
    limit_px: Decimal
    sz: Decimal
    reduce_only: bool
    tif: str
    cloid: str | None


@dataclass
class RestingOrder:
    oid: int
    user: str
    coin: str
    is_buy: bool
    limit_px: Decimal
    sz: Decimal
    reduce_only: bool
    tif: str
    timestamp: int
    cloid: str | None = None


@dataclass(frozen=True)
class Fill:
    start: Decimal
    position: Position
    closed_pnl: Decimal
    fee: Decimal
    direction: str


def parse_order(asset: int, market: Market, order: dict[str, Any]) -> OrderRequest:
    is_buy, reduce_only = order.get("b"), order.get("r")
    if not isinstance(is_buy, bool) or not isinstance(reduce_only, bool):
        raise ActionError("order fields b and r must be booleans")
    limit_px, sz = parse_decimal(order.get("p"), "price"), parse_decimal(order.get("s"), "size")
    order_type = order.get("t")
    if not isinstance(order_type, dict) or not isinstance(order_type.get("limit"), dict):
        raise ActionError(f"Only limit orders are supported by the local simulator. asset={asset}")
    tif = order_type["limit"].get("tif")
    if tif not in TIFS:
        raise ActionError(f"Invalid TIF {tif!r}. asset={asset}")
    if not market.valid_size(sz):
        raise ActionError(f"Order has invalid size. asset={asset}")
    if not market.valid_price(limit_px):
        raise ActionError(f"Price must be divisible by tick size. asset={asset}")
    cloid = order.get("c")
    if cloid is not None and not isinstance(cloid, str):
        raise ActionError("cloid must be a hex string")
    return OrderRequest(asset, market, is_buy, limit_px, sz, reduce_only, str(tif), cloid)


def plan_fill(
    account: Account,
    markets: dict[str, Market],
    request: OrderRequest,
    sz: Decimal,
    px: Decimal,
    taker_fee: Decimal,
) -> Fill:
    """The fill's effect on ``account`` (not yet applied), or ``ActionError`` on insufficient margin."""
    coin, is_buy = request.market.name, request.is_buy
    old = account.positions.get(coin) or Position(coin)
    new = replace(old, funding_since_change=Decimal(0))
    start = old.szi
    closed_pnl = Decimal(0)
    if start == 0 or (start > 0) == is_buy:
        new.entry_px = (abs(start) * old.entry_px + sz * px) / (abs(start) + sz)
        direction = "Open Long" if is_buy else "Open Short"
        if start == 0:
            new.funding_since_open = Decimal(0)
    else:
        closing = min(sz, abs(start))
        closed_pnl = usd(closing * (px - old.entry_px) * (1 if start > 0 else -1))
        direction = "Close Long" if start > 0 else "Close Short"
        if sz > abs(start):
            new.entry_px = px
            new.funding_since_open = Decimal(0)
            direction = "Long > Short" if start > 0 else "Short > Long"
    new.szi = start + (sz if is_buy else -sz)
    fee = usd(sz * px * taker_fee)
    if abs(new.szi) > abs(start):
        trial = replace(
            account,
            positions={**account.positions, coin: new},
            balance=account.balance + closed_pnl - fee,
        )
        summary = summarize(trial, markets)
        if summary.account_value < summary.total_margin_used:
            raise ActionError(f"Insufficient margin to place order. asset={request.asset}")
    return Fill(start, new, closed_pnl, fee, direction)


def apply_fill(account: Account, fill: Fill) -> None:
    account.balance += fill.closed_pnl - fill.fee
    if fill.position.szi == 0:
        account.positions.pop(fill.position.coin, None)
    else:
        account.positions[fill.position.coin] = fill.position
