"""The Hyperliquid simulator's ledger: accounts, markets, fills, funding, deposits and withdrawals.

Every USDC movement is rounded to 6 decimals before it is applied and recorded with exactly that
amount (fills' ``fee`` and ``closedPnl``, ``userFunding`` deltas, ledger updates), so a user's
records always sum to the balance. Methods are thread-safe (one re-entrant lock).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from eth_utils import is_hex_address, to_checksum_address

from local.hyperliquid.accounts import Account, summarize
from local.hyperliquid.errors import ActionError, parse_decimal
from local.hyperliquid.markets import Market, default_markets, usd, wire
from local.hyperliquid.nonces import Clock
from local.hyperliquid.order_status import OrderHistory, PlacedOrder, rejection_status
from local.hyperliquid.orders import Fill, OrderRequest, RestingOrder, apply_fill, parse_order, plan_fill

log = logging.getLogger(__name__)

HOUR_S = 3600
MIN_ORDER_VALUE = Decimal(10)
PayoutHook = Callable[[str, Decimal, int], None]


@dataclass
class Withdrawal:
    user: str
    destination: str
    amount: Decimal  # debited from the account, fee included
    fee: Decimal
    nonce: int
    time: int
    status: str = "pending"  # pending -> paid | payout_failed
    error: str | None = None

    @property
    def payout(self) -> Decimal:
        return self.amount - self.fee


def _hash(*parts: object) -> str:
    return "0x" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


class HyperliquidState:
    def __init__(
        self,
        markets: Iterable[Market] | None = None,
        *,
        clock: Clock | None = None,
        slippage: Decimal = Decimal("0.0005"),
        taker_fee: Decimal = Decimal("0.00045"),
        withdraw_fee: Decimal = Decimal(1),
        min_deposit: Decimal = Decimal(5),
    ) -> None:
        self.universe = list(markets or default_markets())
        self.markets = {m.name: m for m in self.universe}
        self.clock = clock or Clock()
        self.slippage = slippage
        self.taker_fee = taker_fee
        self.withdraw_fee = withdraw_fee
        self.min_deposit = min_deposit
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.fills: dict[str, list[dict[str, Any]]] = {}
        self.user_funding: dict[str, list[dict[str, Any]]] = {}
        self.ledger_updates: dict[str, list[dict[str, Any]]] = {}
        self.funding_history: dict[str, list[dict[str, Any]]] = {m.name: [] for m in self.universe}
        self.resting: dict[int, RestingOrder] = {}
        self.orders = OrderHistory()
        self.deposits: dict[str, Decimal] = {}
        self.withdrawals: list[Withdrawal] = []
        self._next_oid = 1
        self._next_tid = 1

    # -- lookups ---------------------------------------------------------------------------------
    def market(self, coin: str) -> Market:
        if coin not in self.markets:
            raise ActionError(f"unknown coin {coin!r}")
        return self.markets[coin]

    def market_at(self, asset: Any) -> Market:
        if isinstance(asset, bool) or not isinstance(asset, int) or not 0 <= asset < len(self.universe):
            raise ActionError(f"Invalid asset {asset!r}")
        return self.universe[asset]

    def asset_of(self, coin: str) -> int:
        return self.universe.index(self.market(coin))

    def account(self, user: str) -> Account:
        user = user.lower()
        if user not in self.accounts:
            raise ActionError(f"User or API Wallet {user} does not exist.")
        return self.accounts[user]

    def has_account(self, user: str) -> bool:
        return user.lower() in self.accounts

    def _ledger(self, user: str, delta: dict[str, Any], tx_hash: str | None = None) -> None:
        now = self.clock.now_ms()
        entries = self.ledger_updates.setdefault(user, [])
        entries.append({"time": now, "hash": tx_hash or _hash(user, now, len(entries)), "delta": delta})

    # -- test and bridge controls ----------------------------------------------------------------
    def credit_deposit(self, user: str, amount_usdc: Decimal, tx_ref: str) -> bool:
        """Credit a bridge deposit once per ``tx_ref`` (``<Arbitrum tx hash>:<log index>``); under
        ``min_deposit`` it is lost, as on the real bridge. The ledger entry's ``hash`` is the Arbitrum
        transaction's, as Hyperliquid reports it. Returns whether the account was credited."""
        amount = usd(Decimal(amount_usdc))
        with self.lock:
            if tx_ref in self.deposits:
                return False
            self.deposits[tx_ref] = amount
            if amount < self.min_deposit:
                log.warning(
                    "deposit %s of %s USDC is under the %s minimum: not credited",
                    tx_ref,
                    amount,
                    self.min_deposit,
                )
                return False
            user = user.lower()
            account = self.accounts.setdefault(user, Account(user))
            account.balance += amount
            self._ledger(user, {"type": "deposit", "usdc": wire(amount)}, tx_ref.split(":")[0])
            return True

    def set_mark(self, coin: str, px: Decimal) -> None:
        px = Decimal(px)
        if px <= 0:
            raise ValueError("mark must be positive")
        with self.lock:
            market = self.market(coin)
            if market.prev_day_px is None:
                market.prev_day_px = market.mark
            market.mark = px

    def set_funding_path(self, coin: str, rates: Iterable[Decimal]) -> None:
        path = [Decimal(r) for r in rates]
        if not path:
            raise ValueError("a funding path needs at least one rate")
        with self.lock:
            market = self.market(coin)
            market.funding_path = path
            market.funding_step = 0

    def accrue_funding(self, hours: int = 1) -> list[dict[str, Any]]:
        """Run ``hours`` hourly funding settlements: each advances the clock one hour, takes every
        coin's next rate from its path and charges ``szi * mark * rate`` to each position (longs
        pay, shorts receive when the rate is positive). Returns the fundingHistory rows added."""
        added: list[dict[str, Any]] = []
        with self.lock:
            for _ in range(hours):
                now = self.clock.advance(HOUR_S)
                for market in self.universe:
                    rate = market.take_rate()
                    row = {"coin": market.name, "fundingRate": wire(rate), "premium": "0.0", "time": now}
                    self.funding_history[market.name].append(row)
                    added.append(row)
                    self._settle_funding(market, rate, now)
        return added

    def _settle_funding(self, market: Market, rate: Decimal, now: int) -> None:
        for user, account in self.accounts.items():
            position = account.positions.get(market.name)
            if position is None or position.szi == 0:
                continue
            paid = usd(position.szi * market.mark * rate)
            account.balance -= paid
            position.funding_all_time += paid
            position.funding_since_open += paid
            position.funding_since_change += paid
            self.user_funding.setdefault(user, []).append(
                {
                    "time": now,
                    "hash": "0x" + "0" * 64,
                    "delta": {
                        "type": "funding",
                        "coin": market.name,
                        "usdc": wire(-paid),
                        "szi": wire(position.szi),
                        "fundingRate": wire(rate),
                        "nSamples": None,
                    },
                }
            )

    # -- orders ----------------------------------------------------------------------------------
    def place_orders(self, user: str, orders: Any) -> list[Any]:
        if not isinstance(orders, list) or not orders:
            raise ActionError("orders must be a non-empty list")
        with self.lock:
            account = self.account(user)
            return [self._place(account, wire_order) for wire_order in orders]

    def _place(self, account: Account, order: Any) -> Any:
        try:
            if not isinstance(order, dict):
                raise ActionError("order must be an object")
            market = self.market_at(order.get("a"))
            request = parse_order(self.universe.index(market), market, order)
        except ActionError as exc:  # not an order at all: nothing is recorded
            return {"error": str(exc)}
        try:
            return self._execute(account, request)
        except ActionError as exc:  # refused at placement: recorded with its rejection status
            self._record_order(account.address, request, self._new_oid(), rejection_status(str(exc)))
            return {"error": str(exc)}

    def _new_oid(self) -> int:
        oid = self._next_oid
        self._next_oid += 1
        return oid

    def _record_order(self, user: str, request: OrderRequest, oid: int, status: str) -> None:
        self.orders.add(PlacedOrder.of(request, oid, user, status, self.clock.now_ms()))

    def _execute(self, account: Account, request: OrderRequest) -> Any:
        market, asset, is_buy, sz = request.market, request.asset, request.is_buy, request.sz
        position = account.positions.get(market.name)
        current = position.szi if position else Decimal(0)
        if request.reduce_only:
            if current == 0 or (current > 0) == is_buy:
                raise ActionError(f"Reduce only order would increase position. asset={asset}")
            sz = min(sz, abs(current))
        elif sz * request.limit_px < MIN_ORDER_VALUE:
            raise ActionError(f"Order must have minimum value of $10. asset={asset}")
        fill_px = market.round_price(market.mark * (1 + self.slippage if is_buy else 1 - self.slippage))
        crosses = request.limit_px >= fill_px if is_buy else request.limit_px <= fill_px
        if request.tif == "Alo" and crosses:
            raise ActionError(
                f"Post only order would have immediately matched, bbo was {wire(fill_px)}. asset={asset}"
            )
        if request.tif == "Ioc" and not crosses:
            raise ActionError(f"Order could not immediately match against any resting orders. asset={asset}")
        fill = plan_fill(account, self.markets, request, sz, fill_px, self.taker_fee) if crosses else None
        oid = self._new_oid()
        self._record_order(account.address, request, oid, "open" if fill is None else "filled")
        cloid = {"cloid": request.cloid} if request.cloid else {}
        if fill is None:
            self.resting[oid] = RestingOrder(
                oid, account.address, market.name, is_buy, request.limit_px, sz, request.reduce_only,
                request.tif, self.clock.now_ms(), request.cloid,
            )  # fmt: skip
            return {"resting": {"oid": oid, **cloid}}
        apply_fill(account, fill)
        market.day_volume += sz * fill_px
        market.open_interest += abs(fill.position.szi) - abs(fill.start)
        self._record_fill(account.address, market.name, is_buy, sz, fill_px, fill, oid, request.cloid)
        return {"filled": {"totalSz": wire(sz), "avgPx": wire(fill_px), "oid": oid, **cloid}}

    def _record_fill(
        self, user: str, coin: str, is_buy: bool, sz: Decimal, px: Decimal, fill: Fill, oid: int,
        cloid: str | None,
    ) -> None:  # fmt: skip
        tid = self._next_tid
        self._next_tid += 1
        row: dict[str, Any] = {
            "coin": coin, "px": wire(px), "sz": wire(sz), "side": "B" if is_buy else "A",
            "time": self.clock.now_ms(), "startPosition": wire(fill.start), "dir": fill.direction,
            "closedPnl": wire(fill.closed_pnl), "hash": _hash(user, oid, tid), "oid": oid, "crossed": True,
            "fee": wire(fill.fee), "tid": tid, "feeToken": "USDC",
        }  # fmt: skip
        if cloid:
            row["cloid"] = cloid
        self.fills.setdefault(user, []).append(row)

    def cancel(self, user: str, cancels: Any, by_cloid: bool = False) -> list[Any]:
        if not isinstance(cancels, list) or not cancels:
            raise ActionError("cancels must be a non-empty list")
        with self.lock:
            account = self.account(user)
            statuses: list[Any] = []
            for item in cancels:
                if not isinstance(item, dict):
                    raise ActionError("each cancel must be an object")
                asset = item.get("asset") if by_cloid else item.get("a")
                ref = item.get("cloid") if by_cloid else item.get("o")
                found = next(
                    (
                        o
                        for o in self.resting.values()
                        if o.user == account.address
                        and o.coin == self._coin_or_none(asset)
                        and (o.cloid if by_cloid else o.oid) == ref
                    ),
                    None,
                )
                if found is None:
                    statuses.append(
                        {"error": f"Order was never placed, already canceled, or filled. asset={asset}"}
                    )
                else:
                    del self.resting[found.oid]
                    self.orders.set_status(found.oid, "canceled", self.clock.now_ms())
                    statuses.append("success")
            return statuses

    def _coin_or_none(self, asset: Any) -> str | None:
        try:
            return self.market_at(asset).name
        except ActionError:
            return None

    def update_leverage(self, user: str, asset: Any, is_cross: Any, leverage: Any) -> None:
        with self.lock:
            account = self.account(user)
            market = self.market_at(asset)
            if is_cross is not True:
                raise ActionError("Isolated margin is not supported by the local simulator")
            if (
                isinstance(leverage, bool)
                or not isinstance(leverage, int)
                or not 1 <= leverage <= market.max_leverage
            ):
                raise ActionError(f"Invalid leverage value {leverage!r} (max {market.max_leverage})")
            trial = replace(account, leverage={**account.leverage, market.name: leverage})
            summary = summarize(trial, self.markets)
            if summary.total_margin_used > summary.account_value:
                raise ActionError("Insufficient margin to update leverage")
            account.leverage[market.name] = leverage

    # -- transfers -------------------------------------------------------------------------------
    def withdraw(self, user: str, destination: Any, amount_text: Any, nonce: int) -> Withdrawal:
        if not isinstance(destination, str) or not is_hex_address(destination):
            raise ActionError("Invalid destination address")
        amount = parse_decimal(amount_text, "amount")
        if amount != usd(amount) or amount <= self.withdraw_fee:
            raise ActionError(
                f"Invalid withdrawal amount {amount_text!r}: must exceed the {self.withdraw_fee} USDC fee"
            )
        with self.lock:
            account = self.account(user)
            withdrawable = summarize(account, self.markets).withdrawable
            if amount > withdrawable:
                raise ActionError(
                    f"Insufficient balance for withdrawal: withdrawable {wire(usd(withdrawable))}"
                )
            account.balance -= amount
            withdrawal = Withdrawal(
                account.address,
                to_checksum_address(destination),
                amount,
                self.withdraw_fee,
                nonce,
                self.clock.now_ms(),
            )
            self.withdrawals.append(withdrawal)
            self._ledger(
                account.address,
                {"type": "withdraw", "usdc": wire(amount), "nonce": nonce, "fee": wire(self.withdraw_fee)},
            )
            return withdrawal

    def usd_class_transfer(self, user: str, amount_text: Any, to_perp: Any) -> None:
        if not isinstance(amount_text, str) or "subaccount:" in amount_text:
            raise ActionError("Sub-account transfers are not supported by the local simulator")
        if not isinstance(to_perp, bool):
            raise ActionError("toPerp must be a boolean")
        amount = parse_decimal(amount_text, "amount")
        if amount <= 0 or amount != usd(amount):
            raise ActionError(f"Invalid amount {amount_text!r}")
        with self.lock:
            account = self.account(user)
            if to_perp:
                if amount > account.spot_usdc:
                    raise ActionError("Insufficient spot balance")
                account.spot_usdc -= amount
                account.balance += amount
            else:
                if amount > summarize(account, self.markets).withdrawable:
                    raise ActionError("Insufficient balance for transfer")
                account.balance -= amount
                account.spot_usdc += amount
            self._ledger(
                account.address, {"type": "accountClassTransfer", "usdc": wire(amount), "toPerp": to_perp}
            )
