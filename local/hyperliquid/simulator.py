"""The Hyperliquid simulator's HTTP service: ``POST /info``, ``POST /exchange`` and test controls.

Every ``/exchange`` request is verified before it touches the ledger: the signer is recovered with
the official SDK's hashing (see ``signatures``), must hold an account, and must use a fresh nonce
(see ``nonces``). Answers follow Hyperliquid: ``{"status": "ok", "response": {...}}`` or
``{"status": "err", "response": "<reason>"}`` with HTTP 200; an unparseable body gets HTTP 422.

Test controls under ``/_local/`` (besides the shared health/requests/faults contract):
``POST /_local/credit {"user", "usdc", "tx_ref"?}``, ``POST /_local/mark {"coin", "px"}``,
``POST /_local/funding {"hours"?}``, ``POST /_local/funding/path {"coin", "rates"}``,
``POST /_local/advance {"seconds"}``, ``GET /_local/withdrawals``, ``GET /_local/accounts``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.wrappers import Request, Response

from local.hyperliquid import views
from local.hyperliquid.accounts import summarize
from local.hyperliquid.errors import ActionError
from local.hyperliquid.markets import wire
from local.hyperliquid.nonces import Clock, NonceError, NonceTracker
from local.hyperliquid.signatures import SignatureError, recover_signer
from local.hyperliquid.state import HyperliquidState, PayoutHook, Withdrawal
from local.runtime.httpservice import LocalService

log = logging.getLogger(__name__)

UNPARSEABLE = "Failed to deserialize the JSON body into the target type"


def _err(message: str) -> dict[str, Any]:
    return {"status": "err", "response": message}


def _ok(response: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", "response": response}


def _unparseable() -> Response:
    return Response(UNPARSEABLE, status=422, mimetype="text/plain")


def _dec(raw: Any) -> Decimal:
    try:
        return Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {raw!r}") from exc


class HyperliquidSimulator(LocalService):
    name = "hyperliquid"

    def __init__(
        self,
        state: HyperliquidState | None = None,
        *,
        is_mainnet: bool = False,
        on_withdrawal: PayoutHook | None = None,
        nonce_clock: Clock | None = None,
    ) -> None:
        """``is_mainnet=False`` verifies what the SDK signs for any non-mainnet URL ("b" phantom
        agent source, "Testnet" chain). ``nonce_clock`` defaults to the ledger's clock; pass
        ``Clock()`` to judge nonces by wall time when a demo advances the ledger's clock by days."""
        super().__init__()
        self.state = state or HyperliquidState()
        self.is_mainnet = is_mainnet
        self.on_withdrawal = on_withdrawal
        self.nonces = NonceTracker(nonce_clock or self.state.clock)
        self._info: dict[str, Callable[[dict[str, Any]], Any]] = self._info_handlers()
        self.route("/info", methods=["POST"])(self._info_endpoint)
        self.route("/exchange", methods=["POST"])(self._exchange_endpoint)
        self.route("/_local/credit", methods=["POST"])(self._credit_endpoint)
        self.route("/_local/mark", methods=["POST"])(self._mark_endpoint)
        self.route("/_local/funding", methods=["POST"])(self._funding_endpoint)
        self.route("/_local/funding/path", methods=["POST"])(self._funding_path_endpoint)
        self.route("/_local/advance", methods=["POST"])(self._advance_endpoint)
        self.route("/_local/withdrawals", methods=["GET"])(self._withdrawals_endpoint)
        self.route("/_local/accounts", methods=["GET"])(self._accounts_endpoint)

    # -- Python controls (tests, the stack, the bridge watcher) ----------------------------------
    def credit_deposit(self, user: str, amount_usdc: Decimal, tx_ref: str) -> bool:
        return self.state.credit_deposit(user, amount_usdc, tx_ref)

    def set_mark(self, coin: str, px: Decimal) -> None:
        self.state.set_mark(coin, Decimal(px))

    def set_funding_path(self, coin: str, rates: list[Decimal]) -> None:
        self.state.set_funding_path(coin, rates)

    def accrue_funding(self, hours: int = 1) -> list[dict[str, Any]]:
        return self.state.accrue_funding(hours)

    def advance(self, seconds: float) -> int:
        return self.state.clock.advance(seconds)

    def find_withdrawal(self, destination: str, nonce: int) -> Withdrawal | None:
        """The withdrawal a payout hook call is for (its ``user`` is the Hyperliquid account)."""
        with self.state.lock:
            return next(
                (w for w in self.state.withdrawals if w.nonce == nonce and w.destination == destination), None
            )

    def retry_payouts(self) -> list[Withdrawal]:
        """Call the payout hook again for withdrawals it has not paid; returns those still unpaid."""
        for withdrawal in [w for w in self.state.withdrawals if w.status != "paid"]:
            self._pay(withdrawal)
        return [w for w in self.state.withdrawals if w.status != "paid"]

    def health_details(self) -> dict[str, Any]:
        return {
            "markets": [m.name for m in self.state.universe],
            "accounts": len(self.state.accounts),
            "time": self.state.clock.now_ms(),
            "mainnet": self.is_mainnet,
        }

    # -- /info -----------------------------------------------------------------------------------
    def _info_handlers(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        s = self.state
        return {
            "meta": lambda b: views.meta(s),
            "metaAndAssetCtxs": lambda b: views.meta_and_asset_ctxs(s),
            "allMids": lambda b: views.all_mids(s),
            "l2Book": lambda b: views.l2_book(s, b["coin"]),
            "clearinghouseState": lambda b: views.clearinghouse_state(s, b["user"]),
            "spotMeta": lambda b: views.spot_meta(),
            "spotClearinghouseState": lambda b: views.spot_clearinghouse_state(s, b["user"]),
            "openOrders": lambda b: views.open_orders(s, b["user"]),
            "orderStatus": lambda b: views.order_status(s, b["user"], b["oid"]),
            "frontendOpenOrders": lambda b: views.open_orders(s, b["user"]),
            "userFills": lambda b: views.user_fills(s, b["user"]),
            "userFillsByTime": lambda b: views.user_fills(s, b["user"], b.get("startTime"), b.get("endTime")),
            "fundingHistory": lambda b: views.funding_history(
                s, b["coin"], b.get("startTime"), b.get("endTime")
            ),
            "userFunding": lambda b: views.user_funding(s, b["user"], b.get("startTime"), b.get("endTime")),
            "userNonFundingLedgerUpdates": lambda b: views.ledger_updates(
                s, b["user"], b.get("startTime"), b.get("endTime")
            ),
            "predictedFundings": lambda b: views.predicted_fundings(s),
            "perpDexs": lambda b: [None],  # only the original dex
        }

    def _info_endpoint(self, request: Request) -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or body.get("type") not in self._info:
            return _unparseable()
        try:
            return self._info[body["type"]](body)
        except (KeyError, TypeError, AttributeError):
            return _unparseable()
        except ActionError:  # an unknown coin: Hyperliquid answers null
            return None

    # -- /exchange -------------------------------------------------------------------------------
    def _exchange_endpoint(self, request: Request) -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("action"), dict) or "signature" not in body:
            return _unparseable()
        action, nonce = body["action"], body.get("nonce")
        if isinstance(nonce, bool) or not isinstance(nonce, int):
            return _unparseable()
        vault, expires_after = body.get("vaultAddress"), body.get("expiresAfter")
        if vault is not None:
            return _err("Vault and sub-account trading is not supported by the local simulator")
        if expires_after is not None and (
            not isinstance(expires_after, int) or expires_after < self.state.clock.now_ms()
        ):
            return _err(f"Action expired at {expires_after}")
        try:
            signer = recover_signer(action, body["signature"], nonce, vault, expires_after, self.is_mainnet)
        except SignatureError as exc:
            return _err(str(exc))
        if not self.state.has_account(signer):
            return _err(f"User or API Wallet {signer} does not exist.")
        try:
            self.nonces.use(signer, nonce)
            return self._execute(signer, action, nonce)
        except (NonceError, ActionError) as exc:
            return _err(str(exc))

    def _execute(self, signer: str, action: dict[str, Any], nonce: int) -> dict[str, Any]:
        kind = action["type"]
        if kind == "order":
            statuses = self.state.place_orders(signer, action.get("orders"))
            return _ok({"type": "order", "data": {"statuses": statuses}})
        if kind in ("cancel", "cancelByCloid"):
            statuses = self.state.cancel(signer, action.get("cancels"), by_cloid=kind == "cancelByCloid")
            return _ok({"type": "cancel", "data": {"statuses": statuses}})
        if kind == "updateLeverage":
            self.state.update_leverage(
                signer, action.get("asset"), action.get("isCross"), action.get("leverage")
            )
        elif kind == "withdraw3":
            self._pay(self.state.withdraw(signer, action.get("destination"), action.get("amount"), nonce))
        elif kind == "usdClassTransfer":
            self.state.usd_class_transfer(signer, action.get("amount"), action.get("toPerp"))
        else:  # recover_signer only accepts the kinds above
            raise ActionError(f"unsupported action type {kind!r}")
        return _ok({"type": "default"})

    def _pay(self, withdrawal: Withdrawal) -> None:
        """Hand the payout (amount less the fee) to the chain side, outside the ledger's lock; the
        withdrawal stays accepted if the hook fails, as on Hyperliquid where payout is asynchronous."""
        if self.on_withdrawal is None:
            return
        try:
            self.on_withdrawal(withdrawal.destination, withdrawal.payout, withdrawal.nonce)
        except Exception as exc:
            withdrawal.status, withdrawal.error = "payout_failed", f"{type(exc).__name__}: {exc}"
            log.exception("payout of withdrawal %s to %s failed", withdrawal.nonce, withdrawal.destination)
        else:
            withdrawal.status, withdrawal.error = "paid", None

    # -- /_local/ controls -----------------------------------------------------------------------
    def _control(self, request: Request, action: Callable[[dict[str, Any]], Any]) -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            body = {}
        try:
            return action(body)
        except (KeyError, TypeError, ValueError) as exc:  # ActionError is a ValueError
            return 400, {"error": f"{type(exc).__name__}: {exc}"}

    def _credit_endpoint(self, request: Request) -> Any:
        return self._control(
            request,
            lambda b: {
                "credited": self.credit_deposit(
                    str(b["user"]),
                    _dec(b["usdc"]),
                    str(b.get("tx_ref") or f"local-credit-{secrets.token_hex(8)}"),
                )
            },
        )

    def _mark_endpoint(self, request: Request) -> Any:
        def run(b: dict[str, Any]) -> Any:
            self.set_mark(str(b["coin"]), _dec(b["px"]))
            return views.all_mids(self.state)

        return self._control(request, run)

    def _funding_endpoint(self, request: Request) -> Any:
        return self._control(request, lambda b: {"rows": self.accrue_funding(int(b.get("hours", 1)))})

    def _funding_path_endpoint(self, request: Request) -> Any:
        def run(b: dict[str, Any]) -> Any:
            self.set_funding_path(str(b["coin"]), [_dec(r) for r in b["rates"]])
            return {"coin": b["coin"], "rates": [str(r) for r in b["rates"]]}

        return self._control(request, run)

    def _advance_endpoint(self, request: Request) -> Any:
        return self._control(request, lambda b: {"time": self.advance(float(b["seconds"]))})

    def _withdrawals_endpoint(self, request: Request) -> Any:
        with self.state.lock:
            return {
                "withdrawals": [
                    {**w.__dict__, "amount": wire(w.amount), "fee": wire(w.fee), "payout": wire(w.payout)}
                    for w in self.state.withdrawals
                ]
            }

    def _accounts_endpoint(self, request: Request) -> Any:
        with self.state.lock:
            return {
                "accounts": {
                    user: {
                        "balance": wire(a.balance),
                        "spot": wire(a.spot_usdc),
                        "withdrawable": wire(summarize(a, self.state.markets).withdrawable),
                        "positions": {p.coin: wire(p.szi) for p in a.open_positions()},
                    }
                    for user, a in self.state.accounts.items()
                }
            }
