"""Typed views of Hyperliquid's ``/info`` and ``/exchange`` answers, parsed from the documented fields.

Hyperliquid sends numbers as float strings ("0.0000125", "150.5"); every amount here is an exact
``Decimal``. Parsers read only documented fields and tolerate the extra ones the API adds over time.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from basis.chains.amounts import AmountError, parse_decimal

HOURS_PER_YEAR = 24 * 365
CEX_INTERVAL_HOURS = 8  # Binance/Bybit settle every 8 h unless the answer says otherwise


class HyperliquidResponseError(ValueError):
    """An answer that does not have the documented shape."""


def dec(raw: Any, field: str = "value") -> Decimal:
    if raw is None or isinstance(raw, bool):
        raise HyperliquidResponseError(f"{field} is missing")
    try:
        return parse_decimal(raw)
    except AmountError as exc:
        raise HyperliquidResponseError(f"{field}: {exc}") from exc


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """A missing or mistyped field of the ``what`` answer is a ``HyperliquidResponseError`` naming it."""
    try:
        yield
    except HyperliquidResponseError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise HyperliquidResponseError(f"{what}: {exc!r}") from exc


def _opt_dec(raw: Any, field: str) -> Decimal | None:
    return None if raw is None else dec(raw, field)


@dataclass(frozen=True)
class AssetMeta:
    name: str
    asset: int  # index in the universe: what order wires carry as "a"
    sz_decimals: int
    max_leverage: int
    delisted: bool = False


@dataclass(frozen=True)
class AssetContext:
    coin: str
    funding: Decimal  # the current hourly rate
    mark_px: Decimal
    oracle_px: Decimal
    mid_px: Decimal | None
    open_interest: Decimal
    premium: Decimal | None


@dataclass(frozen=True)
class FundingRate:
    coin: str
    rate: Decimal  # hourly
    time_ms: int
    premium: Decimal | None = None


@dataclass(frozen=True)
class PredictedFunding:
    coin: str
    venue: str  # "HlPerp", "BinPerp", "BybitPerp"
    rate: Decimal
    next_funding_time_ms: int
    interval_hours: int

    @property
    def hourly_rate(self) -> Decimal:
        return self.rate / self.interval_hours


@dataclass(frozen=True)
class FundingStats:
    """Hourly funding over a window: mean, volatility (population stdev) and their annualised forms."""

    coin: str
    samples: int
    mean_hourly: Decimal
    stdev_hourly: Decimal

    @property
    def annualized_mean(self) -> Decimal:
        return self.mean_hourly * HOURS_PER_YEAR

    @property
    def annualized_volatility(self) -> Decimal:
        return self.stdev_hourly * Decimal(HOURS_PER_YEAR).sqrt()

    @classmethod
    def of(cls, coin: str, rates: list[FundingRate]) -> FundingStats:
        values = [r.rate for r in rates]
        if not values:
            return cls(coin, 0, Decimal(0), Decimal(0))
        stdev = statistics.pstdev(values) if len(values) > 1 else Decimal(0)
        return cls(coin, len(values), sum(values, Decimal(0)) / len(values), Decimal(stdev))


@dataclass(frozen=True)
class Position:
    coin: str
    szi: Decimal  # signed size: negative is short
    entry_px: Decimal | None
    position_value: Decimal
    unrealized_pnl: Decimal
    margin_used: Decimal
    leverage_type: str
    leverage: int
    liquidation_px: Decimal | None
    funding_since_open: Decimal  # paid (+) / received (-) since the position opened, as HL reports it
    funding_all_time: Decimal

    @property
    def is_short(self) -> bool:
        return self.szi < 0


@dataclass(frozen=True)
class AccountState:
    account_value: Decimal
    total_margin_used: Decimal
    total_ntl_pos: Decimal
    withdrawable: Decimal | None  # None when the answer left it out
    maintenance_margin_used: Decimal | None
    positions: tuple[Position, ...]
    time_ms: int | None

    @property
    def available_to_withdraw(self) -> Decimal:
        """``withdrawable``, or ``accountValue - totalMarginUsed`` (never negative) without it (5.2a)."""
        if self.withdrawable is not None:
            return self.withdrawable
        return max(Decimal(0), self.account_value - self.total_margin_used)

    def position(self, coin: str) -> Position | None:
        return next((p for p in self.positions if p.coin == coin and p.szi != 0), None)


@dataclass(frozen=True)
class OrderResult:
    status: str  # "filled" | "resting"
    oid: int
    filled_sz: Decimal = Decimal(0)
    avg_px: Decimal | None = None


@dataclass(frozen=True)
class UserFill:
    coin: str
    px: Decimal
    sz: Decimal
    side: str  # "B" buy / "A" sell
    direction: str
    closed_pnl: Decimal
    fee: Decimal
    oid: int
    tid: int
    time_ms: int


@dataclass(frozen=True)
class LedgerWithdrawal:
    """A withdrawal applied on Hyperliquid (``userNonFundingLedgerUpdates``, delta ``withdraw``): the
    ``usdc`` debited (fee included) by the ``withdraw3`` action signed with ``nonce``."""

    usdc: Decimal
    nonce: int
    time_ms: int
    hash: str


@dataclass(frozen=True)
class LedgerDeposit:
    """A bridge deposit credited on Hyperliquid (``userNonFundingLedgerUpdates``, delta ``deposit``)."""

    usdc: Decimal
    time_ms: int
    hash: str


@dataclass(frozen=True)
class OrderStatus:
    """``orderStatus`` of one order (looked up by oid or cloid): Hyperliquid's status word —
    ``open``, ``filled``, ``canceled``, ``triggered``, ``rejected`` or a ``...Rejected`` /
    ``...Canceled`` variant — with the order as placed."""

    status: str
    oid: int
    cloid: str | None
    coin: str
    side: str  # "B" buy / "A" sell
    orig_sz: Decimal
    status_time_ms: int

    @property
    def filled(self) -> bool:
        return self.status == "filled"

    @property
    def resting(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class FundingPayment:
    """One hourly settlement of ``userFunding``: ``usdc`` received (+) or paid (-) by the account's
    whole position ``szi`` in ``coin`` at ``rate``."""

    coin: str
    usdc: Decimal
    szi: Decimal
    rate: Decimal
    time_ms: int


@dataclass(frozen=True)
class BookLevel:
    px: Decimal
    sz: Decimal


@dataclass(frozen=True)
class Book:
    """``l2Book``: bids best (highest) first, asks best (lowest) first."""

    coin: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    time_ms: int


class HyperliquidActionError(RuntimeError):
    """``/exchange`` refused an action (``status: err``) or an order in it (``{"error": ...}``)."""


# -- parsers --------------------------------------------------------------------------------------
def parse_meta(payload: Any) -> list[AssetMeta]:
    with _reading("meta"):
        universe = payload["universe"]
        return [
            AssetMeta(
                str(a["name"]),
                i,
                int(a["szDecimals"]),
                int(a["maxLeverage"]),
                bool(a.get("isDelisted", False)),
            )
            for i, a in enumerate(universe)
        ]


def parse_meta_and_asset_ctxs(payload: Any) -> tuple[list[AssetMeta], dict[str, AssetContext]]:
    if not isinstance(payload, list) or len(payload) != 2:
        raise HyperliquidResponseError("metaAndAssetCtxs: expected [meta, assetCtxs]")
    metas = parse_meta(payload[0])
    ctxs = payload[1]
    if not isinstance(ctxs, list) or len(ctxs) != len(metas):
        raise HyperliquidResponseError("metaAndAssetCtxs: one context per asset expected")
    out = {}
    for meta, ctx in zip(metas, ctxs, strict=True):
        out[meta.name] = AssetContext(
            meta.name,
            dec(ctx.get("funding"), "funding"),
            dec(ctx.get("markPx"), "markPx"),
            dec(ctx.get("oraclePx"), "oraclePx"),
            _opt_dec(ctx.get("midPx"), "midPx"),
            dec(ctx.get("openInterest"), "openInterest"),
            _opt_dec(ctx.get("premium"), "premium"),
        )
    return metas, out


def parse_funding_history(payload: Any) -> list[FundingRate]:
    if not isinstance(payload, list):
        raise HyperliquidResponseError("fundingHistory: expected a list")
    with _reading("fundingHistory"):
        rows = [
            FundingRate(
                str(r["coin"]),
                dec(r["fundingRate"], "fundingRate"),
                int(r["time"]),
                _opt_dec(r.get("premium"), "premium"),
            )
            for r in payload
        ]
    return sorted(rows, key=lambda r: r.time_ms)


def parse_predicted_fundings(payload: Any, coin: str) -> list[PredictedFunding]:
    """``[[coin, [[venue, {fundingRate, nextFundingTime, fundingIntervalHours?}] | [venue, null]]]]``;
    ``fundingRate`` is per interval (Hyperliquid: 1 h; the CEX venues: ``fundingIntervalHours``)."""
    if not isinstance(payload, list):
        raise HyperliquidResponseError("predictedFundings: expected a list")
    out = []
    for entry in payload:
        if not isinstance(entry, list) or len(entry) != 2 or entry[0] != coin:
            continue
        for venue, info in entry[1] or []:
            if info is None:  # the venue has no prediction for this coin
                continue
            out.append(
                PredictedFunding(
                    coin,
                    str(venue),
                    dec(info.get("fundingRate"), "fundingRate"),
                    int(info["nextFundingTime"]),
                    int(info.get("fundingIntervalHours") or (1 if venue == "HlPerp" else CEX_INTERVAL_HOURS)),
                )
            )
    return out


def _parse_position(raw: dict[str, Any]) -> Position:
    p = raw["position"]
    leverage = p.get("leverage") or {}
    funding = p.get("cumFunding") or {}
    return Position(
        coin=str(p["coin"]),
        szi=dec(p["szi"], "szi"),
        entry_px=_opt_dec(p.get("entryPx"), "entryPx"),
        position_value=dec(p["positionValue"], "positionValue"),
        unrealized_pnl=dec(p["unrealizedPnl"], "unrealizedPnl"),
        margin_used=dec(p["marginUsed"], "marginUsed"),
        leverage_type=str(leverage.get("type", "cross")),
        leverage=int(leverage.get("value", 1)),
        liquidation_px=_opt_dec(p.get("liquidationPx"), "liquidationPx"),
        funding_since_open=dec(funding.get("sinceOpen", 0), "cumFunding.sinceOpen"),
        funding_all_time=dec(funding.get("allTime", 0), "cumFunding.allTime"),
    )


def parse_clearinghouse_state(payload: Any) -> AccountState:
    if not isinstance(payload, dict):
        raise HyperliquidResponseError("clearinghouseState: expected an object")
    with _reading("clearinghouseState"):
        margin = payload["marginSummary"]
        withdrawable = payload.get("withdrawable")
        maintenance = payload.get("crossMaintenanceMarginUsed")
        return AccountState(
            account_value=dec(margin["accountValue"], "accountValue"),
            total_margin_used=dec(margin["totalMarginUsed"], "totalMarginUsed"),
            total_ntl_pos=dec(margin.get("totalNtlPos", 0), "totalNtlPos"),
            withdrawable=None if withdrawable in (None, "") else dec(withdrawable, "withdrawable"),
            maintenance_margin_used=_opt_dec(maintenance, "crossMaintenanceMarginUsed"),
            positions=tuple(_parse_position(a) for a in payload.get("assetPositions") or []),
            time_ms=int(payload["time"]) if payload.get("time") is not None else None,
        )


def parse_user_fills(payload: Any) -> list[UserFill]:
    if not isinstance(payload, list):
        raise HyperliquidResponseError("userFills: expected a list")
    with _reading("userFills"):
        return [
            UserFill(
                str(f["coin"]),
                dec(f["px"], "px"),
                dec(f["sz"], "sz"),
                str(f["side"]),
                str(f.get("dir", "")),
                dec(f.get("closedPnl", 0), "closedPnl"),
                dec(f.get("fee", 0), "fee"),
                int(f["oid"]),
                int(f.get("tid", 0)),
                int(f["time"]),
            )
            for f in payload
        ]


def parse_ledger_deposits(payload: Any) -> list[LedgerDeposit]:
    """The ``deposit`` entries of ``userNonFundingLedgerUpdates``, oldest first."""
    if not isinstance(payload, list):
        raise HyperliquidResponseError("userNonFundingLedgerUpdates: expected a list")
    with _reading("userNonFundingLedgerUpdates"):
        rows = [
            LedgerDeposit(dec(u["delta"]["usdc"], "usdc"), int(u["time"]), str(u.get("hash", "")))
            for u in payload
            if (u.get("delta") or {}).get("type") == "deposit"
        ]
    return sorted(rows, key=lambda r: r.time_ms)


def parse_ledger_withdrawals(payload: Any) -> list[LedgerWithdrawal]:
    """The ``withdraw`` entries of ``userNonFundingLedgerUpdates``, oldest first."""
    if not isinstance(payload, list):
        raise HyperliquidResponseError("userNonFundingLedgerUpdates: expected a list")
    with _reading("userNonFundingLedgerUpdates"):
        rows = [
            LedgerWithdrawal(
                dec(u["delta"]["usdc"], "usdc"),
                int(u["delta"]["nonce"]),
                int(u["time"]),
                str(u.get("hash", "")),
            )
            for u in payload
            if (u.get("delta") or {}).get("type") == "withdraw"
        ]
    return sorted(rows, key=lambda r: r.time_ms)


def parse_order_status(payload: Any) -> OrderStatus | None:
    """``{"status": "order", "order": {"order": {...}, "status", "statusTimestamp"}}``; None for
    ``{"status": "unknownOid"}`` (Hyperliquid never saw an order with that oid or cloid)."""
    if not isinstance(payload, dict) or "status" not in payload:
        raise HyperliquidResponseError(f"orderStatus: unexpected answer {payload!r}")
    if payload["status"] == "unknownOid":
        return None
    with _reading("orderStatus"):
        wrapper = payload["order"]
        order = wrapper["order"]
        return OrderStatus(
            status=str(wrapper["status"]),
            oid=int(order["oid"]),
            cloid=order.get("cloid"),
            coin=str(order["coin"]),
            side=str(order["side"]),
            orig_sz=dec(order.get("origSz", order.get("sz")), "origSz"),
            status_time_ms=int(wrapper["statusTimestamp"]),
        )


def parse_funding_payments(payload: Any) -> list[FundingPayment]:
    """The ``funding`` entries of ``userFunding``, oldest first."""
    if not isinstance(payload, list):
        raise HyperliquidResponseError("userFunding: expected a list")
    with _reading("userFunding"):
        rows = [
            FundingPayment(
                str(u["delta"]["coin"]),
                dec(u["delta"]["usdc"], "usdc"),
                dec(u["delta"]["szi"], "szi"),
                dec(u["delta"]["fundingRate"], "fundingRate"),
                int(u["time"]),
            )
            for u in payload
            if (u.get("delta") or {}).get("type") == "funding"
        ]
    return sorted(rows, key=lambda r: r.time_ms)


def parse_l2_book(payload: Any) -> Book:
    if not isinstance(payload, dict):
        raise HyperliquidResponseError("l2Book: expected an object")
    with _reading("l2Book"):
        bids, asks = payload["levels"]
        return Book(
            coin=str(payload["coin"]),
            bids=tuple(BookLevel(dec(level["px"], "px"), dec(level["sz"], "sz")) for level in bids),
            asks=tuple(BookLevel(dec(level["px"], "px"), dec(level["sz"], "sz")) for level in asks),
            time_ms=int(payload["time"]),
        )


def parse_exchange_response(payload: Any) -> dict[str, Any]:
    """The ``response`` of an ``ok`` answer; ``HyperliquidActionError`` for ``{"status": "err"}``."""
    if not isinstance(payload, dict) or "status" not in payload:
        raise HyperliquidResponseError(f"exchange: unexpected answer {payload!r}")
    if payload["status"] != "ok":
        raise HyperliquidActionError(str(payload.get("response")))
    response = payload.get("response")
    return response if isinstance(response, dict) else {}


def parse_order_response(payload: Any) -> list[OrderResult]:
    """One result per order; the first ``{"error": ...}`` status raises ``HyperliquidActionError``."""
    response = parse_exchange_response(payload)
    statuses = (response.get("data") or {}).get("statuses")
    if not isinstance(statuses, list):
        raise HyperliquidResponseError(f"order: no statuses in {payload!r}")
    out = []
    for status in statuses:
        if not isinstance(status, dict):
            raise HyperliquidResponseError(f"order: unexpected status {status!r}")
        if "error" in status:
            raise HyperliquidActionError(str(status["error"]))
        if "filled" in status:
            f = status["filled"]
            out.append(
                OrderResult("filled", int(f["oid"]), dec(f["totalSz"], "totalSz"), dec(f["avgPx"], "avgPx"))
            )
        elif "resting" in status:
            out.append(OrderResult("resting", int(status["resting"]["oid"])))
        else:
            raise HyperliquidResponseError(f"order: unexpected status {status!r}")
    return out
