"""Accounts, positions and cross-margin arithmetic of the Hyperliquid simulator.

``balance`` is the account's USDC cash on the perp side: deposits, realized PnL and funding, less
fees and withdrawals. ``accountValue = balance + unrealized PnL``; the initial margin used is
``|szi| * mark / leverage`` per position; ``withdrawable = max(0, accountValue - totalMarginUsed)``.
Maintenance margin is half the initial margin at the market's maximum leverage, as on Hyperliquid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from local.hyperliquid.markets import Market

ZERO = Decimal(0)


@dataclass
class Position:
    coin: str
    szi: Decimal = ZERO
    entry_px: Decimal = ZERO
    funding_all_time: Decimal = ZERO  # funding paid (negative when received), as cumFunding
    funding_since_open: Decimal = ZERO
    funding_since_change: Decimal = ZERO

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return self.szi * (mark - self.entry_px)

    def notional(self, mark: Decimal) -> Decimal:
        return abs(self.szi) * mark


@dataclass
class Account:
    address: str
    balance: Decimal = ZERO
    spot_usdc: Decimal = ZERO
    positions: dict[str, Position] = field(default_factory=dict)
    leverage: dict[str, int] = field(default_factory=dict)

    def leverage_for(self, market: Market) -> int:
        return self.leverage.get(market.name, min(20, market.max_leverage))

    def open_positions(self) -> list[Position]:
        return [p for p in self.positions.values() if p.szi != 0]


@dataclass(frozen=True)
class MarginSummary:
    account_value: Decimal
    total_ntl_pos: Decimal
    total_raw_usd: Decimal
    total_margin_used: Decimal
    maintenance_margin: Decimal

    @property
    def withdrawable(self) -> Decimal:
        return max(ZERO, self.account_value - self.total_margin_used)


def margin_used(account: Account, position: Position, market: Market) -> Decimal:
    return position.notional(market.mark) / account.leverage_for(market)


def maintenance_rate(market: Market) -> Decimal:
    return Decimal(1) / (2 * market.max_leverage)


def summarize(account: Account, markets: dict[str, Market]) -> MarginSummary:
    upnl = ntl = signed_ntl = used = maint = ZERO
    for position in account.open_positions():
        market = markets[position.coin]
        upnl += position.unrealized_pnl(market.mark)
        ntl += position.notional(market.mark)
        signed_ntl += position.szi * market.mark
        used += margin_used(account, position, market)
        maint += position.notional(market.mark) * maintenance_rate(market)
    value = account.balance + upnl
    return MarginSummary(value, ntl, value - signed_ntl, used, maint)


def liquidation_price(account: Account, position: Position, markets: dict[str, Market]) -> Decimal | None:
    """The mark of ``position.coin`` at which account value meets maintenance margin, the other
    marks held still; ``None`` when no positive price liquidates the account."""
    market = markets[position.coin]
    rate = maintenance_rate(market)
    others_value = others_maint = ZERO
    for other in account.open_positions():
        if other.coin == position.coin:
            continue
        m = markets[other.coin]
        others_value += other.unrealized_pnl(m.mark)
        others_maint += other.notional(m.mark) * maintenance_rate(m)
    # balance + others + szi * (p - entry) = others_maint + |szi| * p * rate
    denominator = position.szi - abs(position.szi) * rate
    if denominator == 0:
        return None
    price = (others_maint - account.balance - others_value + position.szi * position.entry_px) / denominator
    return price if price > 0 else None
