"""What a position is worth now, each number with where it came from.

A leg open at its venue is read there (Hyperliquid's mark, funding settlements and cross margin;
Asgard's position by PDA: price, interest, health factor); a paper leg is priced on the same live
markets with its fills and accruals simulated by the paper rules; a closed leg's numbers are the
ones the row recorded at close. A venue that does not answer gives ``None`` with the error, never a
made-up number, and never fails the whole valuation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from basis.platform.config import get_settings
from basis.platform.observability import logger
from basis.positions.legs import hl_leverage, usd
from basis.positions.store import PositionRecord, now

if TYPE_CHECKING:
    from basis.venues.asgard.client import AsgardPosition, AsgardReader
    from basis.venues.hyperliquid.trader import HyperliquidTrader

ROW = "position row (recorded at close)"


@dataclass(frozen=True)
class Reading:
    value: Decimal | None
    source: str
    error: str | None = None


@dataclass(frozen=True)
class Valuation:
    short_price: Reading  # the short's coin now (Hyperliquid)
    long_price: Reading  # the long's asset now (Asgard)
    funding_accrued: Reading  # funding the short received (+) or paid (-)
    interest_accrued: Reading  # interest the long's borrowed USDC accrued
    unrealized_pnl: Reading  # both open legs at the prices above, accruals included
    health_factor: Reading  # Asgard: percent the price can fall before liquidation
    margin_ratio: Reading  # Hyperliquid: maintenance margin over account value


def _read(source: str, read: Callable[[], Decimal | None]) -> Reading:
    try:
        return Reading(read(), source)
    except Exception as exc:  # a venue not answering: the reading says so, the rest still reads
        logger.warning("position reading failed", extra={"source": source, "error": repr(exc)[:300]})
        return Reading(None, source, f"{type(exc).__name__}: {exc}"[:200])


def _none(source: str) -> Reading:
    return Reading(None, source)


def value(position: PositionRecord) -> Valuation:
    from basis.venues.asgard.client import AsgardReader
    from basis.venues.hyperliquid.trader import HyperliquidTrader

    settings = get_settings()
    address = ""
    if not position.paper:
        from basis.wallets.store import get_user_wallets

        wallets = get_user_wallets(position.user_id)
        address = (wallets.evm_address if wallets else None) or ""
    trader = HyperliquidTrader(str(settings.hyperliquid_api_url), None, address)
    reader = AsgardReader(str(settings.asgard_api_url))
    short = _short(position, trader)
    long = _long(position, reader)
    parts = [r.value for r in (short["pnl"], long["pnl"])]
    sources = "; ".join(f"{r.source}" for r in (short["pnl"], long["pnl"]))
    unrealized = (
        Reading(sum((p for p in parts if p is not None), Decimal(0)), sources)
        if all(p is not None for p in parts)
        else Reading(None, sources, "a leg could not be valued")
    )
    return Valuation(
        short["price"],
        long["price"],
        short["funding"],
        long["interest"],
        unrealized,
        long["health"],
        short["margin"],
    )


def _short(position: PositionRecord, trader: HyperliquidTrader) -> dict[str, Reading]:
    from basis.positions.legs import HyperliquidShort
    from basis.positions.paper import PaperShort

    leg = position.short
    price = _read("hyperliquid: metaAndAssetCtxs markPx", lambda: trader.mark_price(position.asset))
    if not leg.is_open:
        return {
            "price": price,
            "funding": Reading(leg.funding_usd, ROW) if leg.status == "closed" else _none(ROW),
            "pnl": Reading(Decimal(0), "no open short"),
            "margin": _none("no open short"),
        }
    if position.paper:
        funding = _read(
            "simulated: Hyperliquid fundingHistory rates x size x entry price",
            lambda: PaperShort(trader).funding(position),
        )
        margin = _read(
            "simulated: this leg alone under Hyperliquid's maintenance rule",
            lambda: _paper_margin_ratio(position, trader, price.value, funding.value),
        )
    else:
        funding = _read(
            "hyperliquid: userFunding (pro rata to this leg's size)",
            lambda: HyperliquidShort(trader).funding(position),
        )
        margin = _read(
            "hyperliquid: clearinghouseState (cross margin, whole account)", lambda: _margin_ratio(trader)
        )
    pnl = Reading(None, "short: (entry - mark) x size + funding - fees")
    if price.value is not None and funding.value is not None:
        assert leg.size is not None and leg.entry_price is not None
        pnl = Reading(
            usd((leg.entry_price - price.value) * leg.size + funding.value - (leg.fees_usd or 0)), pnl.source
        )
    return {"price": price, "funding": funding, "pnl": pnl, "margin": margin}


def _margin_ratio(trader: HyperliquidTrader) -> Decimal | None:
    state = trader.account_state()
    if not state.account_value or state.maintenance_margin_used is None:
        return None
    return (state.maintenance_margin_used / state.account_value).quantize(Decimal("0.0001"))


def _paper_margin_ratio(
    position: PositionRecord, trader: HyperliquidTrader, mark: Decimal | None, funding: Decimal | None
) -> Decimal | None:
    leg = position.short
    if mark is None or funding is None or leg.size is None or leg.entry_price is None:
        return None
    maintenance = leg.size * mark / (2 * trader.asset(position.asset).max_leverage)
    equity = (
        leg.size * leg.entry_price / hl_leverage(position.leverage)
        + (leg.entry_price - mark) * leg.size
        + funding
        - (leg.fees_usd or 0)
    )
    return (maintenance / equity).quantize(Decimal("0.0001")) if equity > 0 else None


def _long(position: PositionRecord, reader: AsgardReader) -> dict[str, Reading]:
    leg = position.long
    if not leg.is_open:
        return {
            "price": _read("asgard: markets tokenAOracle", lambda: reader.terms().price),
            "interest": Reading(leg.interest_usd, ROW) if leg.status == "closed" else _none(ROW),
            "pnl": Reading(Decimal(0), "no open long"),
            "health": _none("no open long"),
        }
    if position.paper:
        return _paper_long(position, reader)
    source = "asgard: positions/by-pda"
    booked: list[AsgardPosition] = []
    found = _read(source, lambda: _booked(reader, str(leg.client_id), booked))
    if found.error is not None:
        return dict.fromkeys(("price", "interest", "pnl", "health"), found)
    units = Decimal(10**6)
    return {
        "price": Reading(booked[0].mark_price, f"{source} tokenAPriceUSD"),
        "interest": Reading(Decimal(booked[0].interest or 0) / units, f"{source} interestAccruedNative"),
        "pnl": Reading(
            usd(Decimal(booked[0].equity or 0) / units - (leg.collateral_usd or 0)),
            f"{source} equityNative - collateral",
        ),
        "health": Reading(booked[0].health_factor, f"{source} healthFactor"),
    }


def _booked(reader: AsgardReader, pda: str, into: list[AsgardPosition]) -> None:
    """Asgard's position ``pda``, appended to ``into``; ``LookupError`` if Asgard has none."""
    found = reader.position(pda)
    if found is None:
        raise LookupError(f"Asgard has no position {pda}")
    into.append(found)


def _paper_long(position: PositionRecord, reader: AsgardReader) -> dict[str, Reading]:
    from basis.positions.paper import PaperLong

    leg = position.long
    assert leg.size is not None and leg.debt_usd is not None
    moment = now()
    terms = _read("asgard: markets tokenAOracle", lambda: reader.terms().price)
    interest = _read(
        "simulated: the protocol's borrow APY on the debt",
        lambda: PaperLong(reader).interest(position, moment),
    )
    pnl = Reading(None, "simulated: size x price - debt - interest - collateral")
    health = Reading(None, "simulated: Asgard's health rule with the protocol's maintenance weight")
    if terms.value is not None and interest.value is not None:
        debt = leg.debt_usd + interest.value
        pnl = Reading(usd(leg.size * terms.value - debt - (leg.collateral_usd or 0)), pnl.source)
        health = _read(
            health.source, lambda: _paper_health(reader, leg.size or Decimal(0), debt, terms.value)
        )
    return {"price": terms, "interest": interest, "pnl": pnl, "health": health}


def _paper_health(
    reader: AsgardReader, size: Decimal, debt: Decimal, price: Decimal | None
) -> Decimal | None:
    if price is None or not size:
        return None
    liquidation = debt / (size * reader.terms().maintenance_weight)
    return (max(Decimal(0), 1 - liquidation / price) * 100).quantize(Decimal("0.01"))
