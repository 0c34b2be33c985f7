"""``HyperliquidTrader``: one user's Hyperliquid account — funding, marks, the short leg, withdrawals.

Reads are plain ``POST /info`` requests parsed into the typed views of ``hyperliquid_models`` (the
SDK's ``Info`` is never imported for them: it costs cold start and opens a websocket by default).
Writes go through ``PrivyHyperliquidExchange``, so every signature is the user's Privy server wallet
through the signing layer. Market orders are IOC limit orders at the mark moved by ``slippage``,
priced with Hyperliquid's tick rule (5 significant figures, ``6 - szDecimals`` decimals) as the
official SDK's ``market_open`` does.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from basis.chains.amounts import USDC_DECIMALS, AmountError, wire
from basis.venues.hyperliquid.models import (
    AccountState,
    AssetContext,
    AssetMeta,
    Book,
    FundingPayment,
    FundingRate,
    FundingStats,
    LedgerDeposit,
    LedgerWithdrawal,
    OrderResult,
    OrderStatus,
    Position,
    PredictedFunding,
    UserFill,
    dec,
    parse_clearinghouse_state,
    parse_exchange_response,
    parse_funding_history,
    parse_funding_payments,
    parse_l2_book,
    parse_ledger_deposits,
    parse_ledger_withdrawals,
    parse_meta_and_asset_ctxs,
    parse_order_response,
    parse_order_status,
    parse_predicted_fundings,
    parse_user_fills,
)

if TYPE_CHECKING:
    from basis.signing.hyperliquid import PrivyHyperliquidExchange

HOUR_MS = 3_600_000
IOC = {"limit": {"tif": "Ioc"}}
DEFAULT_SLIPPAGE = Decimal("0.01")
WITHDRAW_FEE_USDC = Decimal(1)


@dataclass(frozen=True)
class Realized:
    fees: Decimal
    closed_pnl: Decimal
    funding: Decimal  # positive: received


@dataclass(frozen=True)
class OrderFills:
    """What one order filled, summed over its fills (``userFills`` of its oid)."""

    oid: int
    sz: Decimal
    avg_px: Decimal | None
    fee: Decimal
    closed_pnl: Decimal

    @classmethod
    def of(cls, oid: int, fills: list[UserFill]) -> OrderFills:
        sz = sum((f.sz for f in fills), Decimal(0))
        notional = sum((f.sz * f.px for f in fills), Decimal(0))
        return cls(
            oid,
            sz,
            notional / sz if sz else None,
            sum((f.fee for f in fills), Decimal(0)),
            sum((f.closed_pnl for f in fills), Decimal(0)),
        )


def cloid_for(*parts: object) -> str:
    """A Hyperliquid client order id (16 bytes, ``0x`` + 32 hex) derived from ``parts``: the same
    parts always give the same cloid, so an order can be looked up before it is sent again."""
    return "0x" + hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:32]


class InsufficientWithdrawableError(AmountError):
    """A withdrawal larger than Hyperliquid's ``withdrawable`` (5.2a, N9): a 400 naming the exact
    amount available."""

    def __init__(self, requested: Decimal, available: Decimal) -> None:
        super().__init__(
            f"requested {wire(requested)} USDC but only {wire(available)} USDC is withdrawable",
            field="amount_usdc",
            available_usdc=wire(available),
        )
        self.requested, self.available = requested, available


class ReadOnlyTraderError(RuntimeError):
    """A signed action on a trader built without an exchange (read-only)."""


def usdc_units(amount: Decimal) -> int:
    """USDC base units of a Hyperliquid amount, rounded to the nearest unit (drops float noise)."""
    return int(amount.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN).scaleb(USDC_DECIMALS))


def market_price(mark: Decimal, sz_decimals: int, *, is_buy: bool, slippage: Decimal) -> Decimal:
    """The limit price of a market order: mark +/- slippage, 5 significant figures, then at most
    ``6 - sz_decimals`` decimals (Hyperliquid's perp tick rule)."""
    px = mark * (1 + slippage) if is_buy else mark * (1 - slippage)
    if px <= 0:
        raise ValueError("price must be positive")
    # 5 significant figures even for prices >= 100000 (integers would also pass; the SDK rounds them).
    significant = px.quantize(Decimal(1).scaleb(px.adjusted() - 4), rounding=ROUND_HALF_EVEN)
    return significant.quantize(Decimal(1).scaleb(-(6 - sz_decimals)), rounding=ROUND_HALF_EVEN).normalize()


def order_size(
    size: Decimal | None, usd_notional: Decimal | None, mark: Decimal, sz_decimals: int
) -> Decimal:
    """Exactly one of ``size`` (coin units) or ``usd_notional`` (at ``mark``), rounded down to the
    asset's size decimals; refuses a size that rounds to zero."""
    if (size is None) == (usd_notional is None):
        raise ValueError("give exactly one of size or usd_notional")
    raw = Decimal(size) if size is not None else Decimal(usd_notional or 0) / mark
    rounded = raw.quantize(Decimal(1).scaleb(-sz_decimals), rounding=ROUND_DOWN)
    if rounded <= 0:
        raise ValueError(f"order size {raw} rounds to zero at {sz_decimals} size decimals")
    return rounded


class HyperliquidTrader:
    def __init__(
        self,
        base_url: str,
        exchange: PrivyHyperliquidExchange | None,
        address: str,
        *,
        timeout: float = 10.0,
        slippage: Decimal = DEFAULT_SLIPPAGE,
        session: Any = None,
    ) -> None:
        import requests

        self.base_url = base_url.rstrip("/")
        self.exchange = exchange
        self.address = address
        self.timeout = timeout
        self.slippage = slippage
        self._session = session or requests.Session()
        self._meta: dict[str, AssetMeta] | None = None

    # -- /info -----------------------------------------------------------------------------------
    def info(self, body: dict[str, Any]) -> Any:
        answer = self._session.post(f"{self.base_url}/info", json=body, timeout=self.timeout)
        answer.raise_for_status()
        return answer.json()

    def markets(self) -> tuple[dict[str, AssetMeta], dict[str, AssetContext]]:
        metas, ctxs = parse_meta_and_asset_ctxs(self.info({"type": "metaAndAssetCtxs"}))
        self._meta = {m.name: m for m in metas}
        return self._meta, ctxs

    def asset(self, coin: str) -> AssetMeta:
        if self._meta is None or coin not in self._meta:
            self.markets()
        assert self._meta is not None
        if coin not in self._meta:
            raise KeyError(f"unknown Hyperliquid coin {coin!r}")
        return self._meta[coin]

    def asset_context(self, coin: str) -> AssetContext:
        _, ctxs = self.markets()
        if coin not in ctxs:
            raise KeyError(f"unknown Hyperliquid coin {coin!r}")
        return ctxs[coin]

    def mark_price(self, coin: str) -> Decimal:
        return self.asset_context(coin).mark_px

    def book(self, coin: str) -> Book:
        return parse_l2_book(self.info({"type": "l2Book", "coin": coin}))

    def mid_prices(self) -> dict[str, Decimal]:
        return {coin: dec(px, coin) for coin, px in self.info({"type": "allMids"}).items()}

    def current_funding_rate(self, coin: str) -> Decimal:
        """The hourly rate the next settlement will use (``funding`` of the asset context)."""
        return self.asset_context(coin).funding

    def predicted_fundings(self, coin: str) -> list[PredictedFunding]:
        return parse_predicted_fundings(self.info({"type": "predictedFundings"}), coin)

    def predicted_funding_rate(self, coin: str) -> Decimal | None:
        """Hyperliquid's own predicted hourly rate (venue ``HlPerp``), if it publishes one."""
        return next((p.hourly_rate for p in self.predicted_fundings(coin) if p.venue == "HlPerp"), None)

    def funding_history(self, coin: str, hours: int = 168, *, end_ms: int | None = None) -> list[FundingRate]:
        end = end_ms if end_ms is not None else int(time.time() * 1000)
        body = {"type": "fundingHistory", "coin": coin, "startTime": end - hours * HOUR_MS}
        if end_ms is not None:
            body["endTime"] = end_ms
        return parse_funding_history(self.info(body))

    def funding_stats(self, coin: str, hours: int = 168, *, end_ms: int | None = None) -> FundingStats:
        """Mean and volatility (stdev) of the hourly funding rate over the last ``hours``."""
        return FundingStats.of(coin, self.funding_history(coin, hours, end_ms=end_ms))

    def account_state(self) -> AccountState:
        return parse_clearinghouse_state(self.info({"type": "clearinghouseState", "user": self.address}))

    def positions(self) -> list[Position]:
        return [p for p in self.account_state().positions if p.szi != 0]

    def position(self, coin: str) -> Position | None:
        return self.account_state().position(coin)

    def get_withdrawable_balance(self) -> Decimal:
        """USDC the user can withdraw now, with open positions (5.2/5.2a): Hyperliquid's
        ``withdrawable``, falling back to ``accountValue - totalMarginUsed``."""
        return self.account_state().available_to_withdraw

    def fills(self) -> list[UserFill]:
        return parse_user_fills(self.info({"type": "userFills", "user": self.address}))

    def order_status(self, oid_or_cloid: int | str) -> OrderStatus | None:
        """The order with this oid or cloid; None when Hyperliquid never saw it (``unknownOid``)."""
        return parse_order_status(
            self.info({"type": "orderStatus", "user": self.address, "oid": oid_or_cloid})
        )

    def order_fills(self, oid: int) -> OrderFills:
        return OrderFills.of(oid, [f for f in self.fills() if f.oid == oid])

    def realized(self, coin: str) -> Realized:
        """What trading ``coin`` has cost or earned so far: fees, closed PnL, funding received."""
        fills = [f for f in self.fills() if f.coin == coin]
        payments = self.info({"type": "userFunding", "user": self.address})
        return Realized(
            fees=sum((f.fee for f in fills), Decimal(0)),
            closed_pnl=sum((f.closed_pnl for f in fills), Decimal(0)),
            funding=sum(
                (dec(p["delta"]["usdc"], "usdc") for p in payments if p["delta"].get("coin") == coin),
                Decimal(0),
            ),
        )

    def funding_payments(self, coin: str, start_ms: int, end_ms: int | None = None) -> list[FundingPayment]:
        """The account's hourly funding settlements of ``coin`` in ``[start_ms, end_ms]``."""
        body: dict[str, Any] = {"type": "userFunding", "user": self.address, "startTime": start_ms}
        if end_ms is not None:
            body["endTime"] = end_ms
        return [p for p in parse_funding_payments(self.info(body)) if p.coin == coin]

    def deposits(self, since_ms: int = 0) -> list[LedgerDeposit]:
        """Bridge deposits credited to this account since ``since_ms``."""
        body = {"type": "userNonFundingLedgerUpdates", "user": self.address, "startTime": since_ms}
        return parse_ledger_deposits(self.info(body))

    def withdrawal(self, nonce: int, *, since_ms: int = 0) -> LedgerWithdrawal | None:
        """The ledger's ``withdraw`` entry of the action signed with ``nonce``: None while Hyperliquid
        has not applied it (a withdrawal is identified by its nonce, once per signer)."""
        body = {"type": "userNonFundingLedgerUpdates", "user": self.address, "startTime": since_ms}
        return next((w for w in parse_ledger_withdrawals(self.info(body)) if w.nonce == nonce), None)

    def wait_for_deposit(
        self, amount_usdc: Decimal, *, since_ms: int, timeout: float = 120.0, poll: float = 0.5
    ) -> LedgerDeposit | None:
        """The first deposit of exactly ``amount_usdc`` credited since ``since_ms``, or None after
        ``timeout`` (the deposit saga / reconciler then re-polls, 5.3a)."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((d for d in self.deposits(since_ms) if d.usdc == Decimal(amount_usdc)), None)
            if found is not None or time.monotonic() >= deadline:
                return found
            time.sleep(poll)

    def credited_deposit(self, tx_hash: str, units: int, *, since_ms: int = 0) -> LedgerDeposit | None:
        """The ledger's credit of the bridge transfer ``tx_hash`` (the Arbitrum transaction hash
        Hyperliquid reports) of exactly ``units`` USDC base units, or None while it is not credited.
        The ledger's amounts carry float noise (``"2703997.4500000002"``): compared in base units."""
        wanted = tx_hash.lower()
        return next(
            (d for d in self.deposits(since_ms) if d.hash.lower() == wanted and usdc_units(d.usdc) == units),
            None,
        )

    # -- signed actions --------------------------------------------------------------------------
    def _exchange(self) -> PrivyHyperliquidExchange:
        if self.exchange is None:
            raise ReadOnlyTraderError("this HyperliquidTrader has no exchange: it cannot sign")
        return self.exchange

    def set_leverage(self, coin: str, leverage: int, *, cross: bool = True) -> None:
        meta = self.asset(coin)
        if not 1 <= leverage <= meta.max_leverage:
            raise ValueError(f"leverage {leverage} outside 1..{meta.max_leverage} for {coin}")
        parse_exchange_response(self._exchange().update_leverage(leverage, coin, cross))

    def _market_order(
        self, coin: str, *, is_buy: bool, sz: Decimal, reduce_only: bool, cloid: str | None = None
    ) -> OrderResult:
        meta = self.asset(coin)
        px = market_price(self.mark_price(coin), meta.sz_decimals, is_buy=is_buy, slippage=self.slippage)
        client_id = None
        if cloid is not None:
            from hyperliquid.utils.types import Cloid

            client_id = Cloid.from_str(cloid)
        answer = self._exchange().order(
            coin, is_buy, float(sz), float(px), IOC, reduce_only=reduce_only, cloid=client_id
        )
        (result,) = parse_order_response(answer)
        return result

    def open_short(
        self,
        coin: str,
        *,
        size: Decimal | None = None,
        usd_notional: Decimal | None = None,
        leverage: int | None = None,
        cloid: str | None = None,
    ) -> OrderResult:
        """Sell ``size`` (or ``usd_notional`` worth at the mark) as an IOC market order, tagged
        ``cloid`` when given (``order_status(cloid)`` finds it again)."""
        meta = self.asset(coin)
        sz = order_size(size, usd_notional, self.mark_price(coin), meta.sz_decimals)
        if leverage is not None:
            self.set_leverage(coin, leverage)
        return self._market_order(coin, is_buy=False, sz=sz, reduce_only=False, cloid=cloid)

    def close_short(
        self, coin: str, *, size: Decimal | None = None, cloid: str | None = None
    ) -> OrderResult | None:
        """Buy back (reduce-only) ``size`` or the whole short; None when there is no short."""
        position = self.position(coin)
        if position is None or not position.is_short:
            return None
        sz = abs(position.szi) if size is None else min(Decimal(size), abs(position.szi))
        return self._market_order(coin, is_buy=True, sz=sz, reduce_only=True, cloid=cloid)

    def withdraw(self, amount_usdc: Decimal, destination: str) -> Decimal:
        """``withdraw3`` of ``amount_usdc`` (fee included) to ``destination`` on Arbitrum, refused
        before signing when over ``withdrawable``; returns what arrives (amount minus the 1 USDC fee)."""
        amount = Decimal(amount_usdc)
        if destination.lower() != self.address.lower():
            # The shared policy cannot restrict withdraw3's destination: the product does. Money
            # leaving Hyperliquid goes only to the user's own server wallet on Arbitrum.
            raise ValueError("withdrawals go only to the user's own server wallet")
        if amount <= WITHDRAW_FEE_USDC:
            raise ValueError(f"a withdrawal must exceed the {WITHDRAW_FEE_USDC} USDC fee")
        available = self.get_withdrawable_balance()
        if amount > available:
            raise InsufficientWithdrawableError(amount, available)
        parse_exchange_response(self._exchange().withdraw(wire(amount), destination))
        return amount - WITHDRAW_FEE_USDC
