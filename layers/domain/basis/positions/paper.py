"""Paper legs: the same saga steps on live market data, with fills simulated and nothing signed.

No signer is ever built here (no wallet is even needed): the short fills against Hyperliquid's
``l2Book`` (sold into the bids, bought back from the asks, level by level, paying the taker fee);
the long is priced at Asgard's oracle price with the protocol's terms, and at close pays the
interest its borrowed USDC accrued at the protocol's borrow APY. Funding is what Hyperliquid's
published hourly rates paid a short of this size (``fundingHistory``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from basis.positions import store
from basis.positions.legs import LegRefusedError, ms, usd
from basis.positions.settings import get_position_settings
from basis.positions.store import PositionRecord, now

if TYPE_CHECKING:
    from basis.venues.asgard.client import AsgardReader
    from basis.venues.hyperliquid.models import BookLevel
    from basis.venues.hyperliquid.trader import HyperliquidTrader

HOURS_PER_YEAR = Decimal(24 * 365)


def walk(levels: tuple[BookLevel, ...], size: Decimal) -> Decimal:
    """The average price of taking ``size`` from ``levels`` (best first)."""
    left, notional = size, Decimal(0)
    for level in levels:
        taken = min(left, level.sz)
        notional += taken * level.px
        left -= taken
        if left <= 0:
            return notional / size
    raise LegRefusedError(f"the book is too thin for {size}: {size - left} fill at most")


class PaperShort:
    side = "short"

    def __init__(self, trader: HyperliquidTrader) -> None:
        self.trader = trader

    def resolve(self, position: PositionRecord) -> PositionRecord:
        return position  # a paper fill is recorded as it is simulated: never in flight

    def open(self, position: PositionRecord) -> PositionRecord:
        from basis.venues.hyperliquid.trader import order_size

        leg = position.short
        if leg.status != "pending":
            return position
        book = self.trader.book(position.asset)
        mid = (book.bids[0].px + book.asks[0].px) / 2
        size = order_size(None, position.size_usd, mid, self.trader.asset(position.asset).sz_decimals)
        price = walk(book.bids, size)
        fee = usd(size * price * get_position_settings().paper_taker_fee)
        leg = replace(leg, status="open", size=size, entry_price=price, fees_usd=fee, opened_at=now())
        return store.update(position, short=leg)

    def close(self, position: PositionRecord) -> PositionRecord:
        leg = position.short
        if not leg.is_open:
            return position
        assert leg.size is not None and leg.entry_price is not None
        price = walk(self.trader.book(position.asset).asks, leg.size)
        fee = usd(leg.size * price * get_position_settings().paper_taker_fee)
        leg = replace(
            leg,
            status="closed",
            exit_price=price,
            closed_pnl_usd=usd((leg.entry_price - price) * leg.size),
            fees_usd=(leg.fees_usd or 0) + fee,
            funding_usd=self.funding(position),
            closed_at=now(),
        )
        return store.update(position, short=leg)

    def funding(self, position: PositionRecord) -> Decimal:
        """What the hourly rates Hyperliquid published since the leg opened paid a short of its
        size at its entry price."""
        leg = position.short
        if leg.opened_at is None or not leg.size or leg.entry_price is None:
            return Decimal(0)
        hours = int((now() - leg.opened_at).total_seconds() // 3600) + 1
        start = ms(leg.opened_at)
        rates = self.trader.funding_history(position.asset, hours=hours)
        return usd(sum((r.rate * leg.size * leg.entry_price for r in rates if r.time_ms > start), Decimal(0)))


class PaperLong:
    side = "long"

    def __init__(self, reader: AsgardReader) -> None:
        self.reader = reader

    def resolve(self, position: PositionRecord) -> PositionRecord:
        return position

    def open(self, position: PositionRecord) -> PositionRecord:
        leg, short = position.long, position.short
        if leg.status != "pending":
            return position
        if short.size is None:
            raise LegRefusedError("the long is sized from the short, which has not filled")
        terms = self.reader.terms()
        collateral = usd(short.size * terms.price / position.leverage)
        leg = replace(
            leg,
            status="open",
            size=collateral * position.leverage / terms.price,
            entry_price=terms.price,
            collateral_usd=collateral,
            debt_usd=usd(collateral * (position.leverage - 1)),
            opened_at=now(),
        )
        return store.update(position, long=leg)

    def interest(self, position: PositionRecord, until: datetime) -> Decimal:
        """Interest the borrowed USDC accrued at the protocol's borrow APY."""
        leg = position.long
        if leg.opened_at is None or not leg.debt_usd:
            return Decimal(0)
        hours = Decimal((until - leg.opened_at).total_seconds()) / 3600
        return usd(leg.debt_usd * self.reader.terms().borrow_apy * hours / HOURS_PER_YEAR)

    def close(self, position: PositionRecord) -> PositionRecord:
        leg = position.long
        if not leg.is_open:
            return position
        assert leg.size is not None and leg.debt_usd is not None
        price = self.reader.terms().price
        moment = now()
        interest = self.interest(position, moment)
        leg = replace(
            leg,
            status="closed",
            exit_price=price,
            proceeds_usd=max(Decimal(0), usd(leg.size * price - leg.debt_usd - interest)),
            interest_usd=interest,
            closed_at=moment,
        )
        return store.update(position, long=leg)
