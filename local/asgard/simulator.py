"""A stand-in for Asgard's spot margin-trading API (https://v2-ultra-edge.asgard.finance/margin-trading):
SOL/USDC longs on four numbered lending protocols, opened and closed by Solana transactions the
user's wallet signs and this service submits to the local chain.

Routes (Asgard's paths and field names; JSON):

* ``GET /markets`` -> ``{"strategies": {"SOL/USDC": {..., "liquiditySources": [...]}}, "totalStrategies"}``
* ``POST /create-position[-simulate]`` (``TradeRequestBody``: protocol, direction 0, collateralType 1,
  collateralAmountNative, collateralMint = USDC, leverage, walletPubkey, ...) -> the body echoed with
  ``positionPDA``, the preview numbers and ``signedTxs`` (one unsigned tx: fee payer = the wallet,
  TransferChecked of the collateral to the vault + a Memo)
* ``POST /submit-create-position-tx`` (the response above, ``signedTxs`` signed) -> the position
  record, once the transaction landed and the vault received the collateral
* ``POST /close-position[-simulate]`` {protocol, walletPubkey, positionPDA} -> ``signedTxs`` (the
  vault's TransferChecked of the equity to the wallet, vault-signed, + a Memo)
* ``POST /submit-close-position-tx`` -> {success, txHash, equityWithdrawnNative, position}
* ``POST /positions`` | ``/positions/open`` | ``/positions/closed`` {walletPubkey};
  ``POST /positions/by-pda?pda=``; ``POST /refresh-positions`` {positionPDAs: [{protocol, positionPDA}]}
* simulator conveniences: ``GET /positions?owner=``, ``GET /positions/<pda>``, ``GET /`` (name),
  ``GET|POST /_local/price`` {price}, ``POST /_local/accrue`` {hours}
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from solders.keypair import Keypair
from werkzeug.wrappers import Request

from local.asgard import trades, views
from local.asgard.book import ACTIVE, CLOSED, LIQUIDATED
from local.asgard.errors import BadRequestError
from local.asgard.parsing import body
from local.asgard.state import AsgardState
from local.runtime.httpservice import LocalService

Route = Callable[..., Any]


def _guarded(handler: Route) -> Route:
    """``handler`` answering its ``BadRequestError`` as ``{"error": ...}`` with the error's status."""

    def run(request: Request, **args: Any) -> Any:
        try:
            return handler(request, **args)
        except BadRequestError as exc:
            return exc.status, {"error": str(exc)}

    run.__name__ = handler.__name__
    return run


class AsgardSimulator(LocalService):
    name = "asgard"

    def __init__(
        self,
        solana: Any,
        *,
        sol_price: float = 150.0,
        program_id: str | None = None,
        liquidity_usdc: int = 10_000_000,
    ) -> None:
        super().__init__()
        self.state = AsgardState(
            solana, sol_price=sol_price, program_id=program_id, liquidity_usdc=liquidity_usdc
        )
        state = self.state

        def posted(action: Callable[[AsgardState, dict[str, Any]], Any]) -> Route:
            return lambda request: action(state, body(request))

        routes: dict[str, tuple[list[str], Route]] = {
            "/": (["GET"], lambda request: {"service": self.name, "ok": True}),
            "/markets": (["GET"], lambda request: views.markets(state)),
            "/create-position": (["POST"], posted(trades.build_open)),
            "/create-position-simulate": (["POST"], posted(trades.simulate_open)),
            "/submit-create-position-tx": (["POST"], posted(trades.submit_open)),
            "/close-position": (["POST"], posted(trades.build_close)),
            "/close-position-simulate": (["POST"], posted(trades.quote_close)),
            "/submit-close-position-tx": (["POST"], posted(trades.submit_close)),
            "/positions": (["GET", "POST"], self._list),
            "/positions/open": (["POST"], lambda request: self._owned(request, (ACTIVE,))),
            "/positions/closed": (["POST"], lambda request: self._owned(request, (CLOSED, LIQUIDATED))),
            "/positions/by-pda": (["POST"], lambda request: self._one(request, request.args.get("pda", ""))),
            "/positions/<pda>": (["GET"], self._one),
            "/refresh-positions": (["POST"], posted(views.refreshed)),
            "/_local/price": (["GET", "POST"], self._price),
            "/_local/accrue": (["POST"], self._accrue),
        }
        for rule, (methods, handler) in routes.items():
            self.route(rule, methods)(_guarded(handler))

    # -- controls for tests and the demo -----------------------------------------------------------
    @property
    def vault(self) -> Keypair:
        return self.state.vault

    @property
    def price(self) -> Decimal:
        return self.state.price

    def set_price(self, price: float | Decimal | str) -> None:
        self.state.set_price(price)

    def accrue(self, hours: float | Decimal) -> int:
        """Accrues borrow interest on every active position; the total added (USDC base units)."""
        return self.state.accrue(hours)

    def health_details(self) -> dict[str, Any]:
        return {
            "sol_price": str(self.price),
            "program_id": self.state.program_id,
            "vault": str(self.state.vault.pubkey()),
            "positions": len(self.state.positions),
        }

    # -- routes ------------------------------------------------------------------------------------
    def _list(self, request: Request) -> Any:
        owner = request.args.get("owner") if request.method == "GET" else body(request).get("walletPubkey")
        if not owner:
            raise BadRequestError("walletPubkey (POST body) or ?owner= (GET) is required")
        return self.state.owned(str(owner), (ACTIVE, CLOSED, LIQUIDATED))

    def _owned(self, request: Request, states: tuple[int, ...]) -> Any:
        return self.state.owned(str(body(request).get("walletPubkey")), states)

    def _one(self, request: Request, pda: str) -> dict[str, Any]:
        with self.state.lock:
            return self.state.position(pda).record(self.state.price)

    def _price(self, request: Request) -> Any:
        if request.method == "POST":
            try:
                self.set_price(str(body(request).get("price")))
            except (ValueError, InvalidOperation) as exc:
                raise BadRequestError(str(exc)) from exc
        return {"price": str(self.price)}

    def _accrue(self, request: Request) -> Any:
        hours = body(request).get("hours")
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
            raise BadRequestError("hours must be a positive number")
        return {"interestAddedNative": str(self.accrue(hours))}
