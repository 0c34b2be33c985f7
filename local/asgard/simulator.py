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

import hashlib
import logging
import threading
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from werkzeug.test import Client
from werkzeug.wrappers import Request

from basis.venues.solana.client import SolanaClient, SolanaRpcError, TransactionFailedError
from local.asgard import transactions as txs
from local.asgard.book import (
    ACTIVE,
    CLOSED,
    DEFAULT_TERMS,
    LIQUIDATED,
    PROTOCOLS,
    SOL_MINT,
    USDC_MINT,
    Position,
    now_iso,
    opening,
)
from local.httpservice import LocalService

log = logging.getLogger(__name__)
USDC_DECIMALS = 6
PENDING_SECONDS = 90.0  # a built transaction's blockhash is good for ~60 s on Solana


class BadRequestError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _bank(protocol: int, token: str) -> str:
    return str(Pubkey(hashlib.sha256(f"basis-local/asgard/{protocol}/{token}".encode()).digest()))


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
        self.solana = solana
        self.price = Decimal(str(sol_price))
        self.program_id = program_id
        self.terms = dict(DEFAULT_TERMS)
        self.banks = {p: (_bank(p, "SOL"), _bank(p, "USDC")) for p in PROTOCOLS}
        wsgi = Client(solana)
        self.rpc = SolanaClient("in-process", transport=lambda body: wsgi.post("/", json=body).get_json())
        self.vault = Keypair.from_seed(hashlib.sha256(b"basis-local/asgard/vault").digest())
        solana.airdrop_sol(self.vault.pubkey(), 10**9)
        solana.mint_usdc(self.vault.pubkey(), liquidity_usdc * 10**USDC_DECIMALS)
        self.vault_token = Pubkey.from_string(self.rpc.token_accounts(str(self.vault.pubkey()))[0].address)
        self.positions: dict[str, Position] = {}
        self._pending: dict[tuple[str, str], tuple[bytes, float, Position, int]] = {}
        self._book = threading.RLock()
        self._next_id = 1
        routes = {
            "/": (["GET"], self._root),
            "/markets": (["GET"], self._markets),
            "/create-position": (["POST"], self._create),
            "/create-position-simulate": (["POST"], self._simulate),
            "/submit-create-position-tx": (["POST"], self._submit_create),
            "/close-position": (["POST"], self._close),
            "/close-position-simulate": (["POST"], self._close_simulate),
            "/submit-close-position-tx": (["POST"], self._submit_close),
            "/positions": (["GET", "POST"], self._list),
            "/positions/open": (["POST"], self._list_open),
            "/positions/closed": (["POST"], self._list_closed),
            "/positions/by-pda": (["POST"], self._by_pda),
            "/positions/<pda>": (["GET"], self._one),
            "/refresh-positions": (["POST"], self._refresh),
            "/_local/price": (["GET", "POST"], self._price),
            "/_local/accrue": (["POST"], self._accrue),
        }
        for rule, (methods, handler) in routes.items():
            self.route(rule, methods)(self._guarded(handler))

    # -- controls for tests and the demo -----------------------------------------------------------
    def set_price(self, price: float | Decimal | str) -> None:
        value = Decimal(str(price))
        if not value.is_finite() or value <= 0:
            raise ValueError("the SOL price must be a positive number")
        with self._book:
            self.price = value
            self._liquidate()

    def accrue(self, hours: float | Decimal) -> int:
        """Accrues borrow interest on every active position; the total added (USDC base units)."""
        with self._book:
            total = sum(p.accrue(Decimal(str(hours))) for p in self.positions.values())
            self._liquidate()
        return total

    def _liquidate(self) -> None:
        for position in self.positions.values():
            if position.state == ACTIVE and position.liquidatable(self.price):
                position.state = LIQUIDATED
                position.closed_at = now_iso()
                position.liquidation_events.append(
                    {
                        "price": str(self.price),
                        "debtNative": str(position.debt),
                        "valueNative": str(position.value(self.price)),
                        "at": position.closed_at,
                    }
                )

    def health_details(self) -> dict[str, Any]:
        return {
            "sol_price": str(self.price),
            "program_id": self.program_id,
            "vault": str(self.vault.pubkey()),
            "positions": len(self.positions),
        }

    # -- plumbing ----------------------------------------------------------------------------------
    @staticmethod
    def _guarded(handler: Any) -> Any:
        def run(request: Request, **args: Any) -> Any:
            try:
                return handler(request, **args)
            except BadRequestError as exc:
                return exc.status, {"error": str(exc)}

        run.__name__ = handler.__name__
        return run

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequestError("the body must be a JSON object")
        return body

    @staticmethod
    def _pubkey(value: Any, field: str) -> Pubkey:
        try:
            return Pubkey.from_string(str(value))
        except ValueError as exc:
            raise BadRequestError(f"{field} is not a Solana address") from exc

    def _position(self, pda: Any) -> Position:
        position = self.positions.get(str(pda))
        if position is None:
            raise BadRequestError(f"no position {pda}", 404)
        return position

    def _pending_take(self, kind: str, pda: str, signed: Any) -> tuple[Any, Position, int]:
        if not isinstance(signed, list) or len(signed) != 1 or not isinstance(signed[0], str):
            raise BadRequestError("signedTxs must hold the one signed transaction")
        try:
            tx = txs.decode(signed[0])
        except ValueError as exc:
            raise BadRequestError(str(exc)) from exc
        with self._book:
            pending = self._pending.pop((kind, pda), None)
        if pending is None or pending[1] < time.monotonic():
            raise BadRequestError(
                f"no {kind} transaction pending for {pda} (expired or already submitted)", 409
            )
        message, _, position, amount = pending
        if bytes(tx.message) != message:
            raise BadRequestError("the signed transaction is not the one this service built")
        return tx, position, amount

    def _land(self, tx: Any) -> str:
        import base64

        try:
            signature = self.rpc.send_transaction(base64.b64encode(bytes(tx)).decode())
            self.rpc.confirm(signature, timeout=10)
        except (SolanaRpcError, TransactionFailedError, TimeoutError) as exc:
            raise BadRequestError(f"the transaction did not land: {exc}") from exc
        return signature

    def _vault_balance(self) -> int:
        return self.rpc.usdc_balance(str(self.vault.pubkey()))

    # -- markets -----------------------------------------------------------------------------------
    def _root(self, request: Request) -> dict[str, Any]:
        return {"service": self.name, "ok": True}

    def _markets(self, request: Request) -> dict[str, Any]:
        sources = []
        for protocol, terms in self.terms.items():
            bank_a, bank_b = self.banks[protocol]
            sources.append(
                {
                    "lendingProtocol": protocol,
                    "isActive": True,
                    "marketKey": f"{PROTOCOLS[protocol]} Main Market",
                    "tokenABank": bank_a,
                    "tokenBBank": bank_b,
                    "longMaxLeverage": float(terms.max_leverage),
                    "shortMaxLeverage": 0,
                    "tokenAMaxDepositCapacity": "1000000000000000",
                    "tokenAMaxBorrowCapacity": "0",
                    "tokenBMaxDepositCapacity": "100000000000000",
                    "tokenBMaxBorrowCapacity": "10000000000000",
                    "tokenALendingApyRate": 0.0,
                    "tokenABorrowingApyRate": 0.0,
                    "tokenBLendingApyRate": float(terms.lending_apy),
                    "tokenBBorrowingApyRate": float(terms.borrow_apy),
                    "tokenAOracle": {"priceUSD": str(self.price)},
                    "tokenBOracle": {"priceUSD": "1"},
                    "tokenARewardAPY": [],
                    "tokenBRewardAPY": [],
                    "maintenanceWeight": str(terms.maintenance_weight),
                    "programId": self.program_id,
                }
            )
        strategy = {
            "name": "SOL/USDC",
            "description": "Leveraged SOL against borrowed USDC",
            "tokenAMint": SOL_MINT,
            "tokenBMint": USDC_MINT,
            "market": ["MARGIN"],
            "tag": ["TRADING"],
            "liquiditySources": sources,
        }
        return {"strategies": {"SOL/USDC": strategy}, "totalStrategies": 1}

    # -- open --------------------------------------------------------------------------------------
    def _trade_request(self, body: dict[str, Any]) -> tuple[int, Decimal, int, Pubkey]:
        protocol = body.get("protocol")
        if protocol not in PROTOCOLS:
            raise BadRequestError(f"protocol must be one of {sorted(PROTOCOLS)} (LendingProtocol)")
        if body.get("direction", 0) != 0:
            raise BadRequestError("only LONG (direction 0) positions are simulated")
        if body.get("collateralType", 1) != 1 or body.get("collateralMint", USDC_MINT) != USDC_MINT:
            raise BadRequestError("collateral must be USDC (collateralType 1, collateralMint USDC)")
        bank_a, bank_b = self.banks[protocol]
        if body.get("tokenABank", bank_a) != bank_a or body.get("tokenBBank", bank_b) != bank_b:
            raise BadRequestError("tokenABank / tokenBBank do not belong to this protocol's SOL/USDC market")
        amount = body.get("collateralAmountNative")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise BadRequestError("collateralAmountNative must be a positive integer (USDC base units)")
        try:
            leverage = Decimal(str(body.get("leverage")))
        except InvalidOperation as exc:
            raise BadRequestError("leverage must be a number") from exc
        if not leverage.is_finite() or leverage <= 1 or leverage > self.terms[protocol].max_leverage:
            raise BadRequestError(f"leverage must be above 1 and at most {self.terms[protocol].max_leverage}")
        return protocol, leverage, amount, self._pubkey(body.get("walletPubkey"), "walletPubkey")

    def _preview(self, body: dict[str, Any]) -> tuple[dict[str, Any], Position]:
        protocol, leverage, amount, owner = self._trade_request(body)
        with self._book:
            price = self.price
            pda = str(
                Pubkey(hashlib.sha256(f"asgard/{owner}/{self._next_id}/{time.time_ns()}".encode()).digest())
            )
            size, debt = opening(amount, leverage, price)
            position = Position(
                0, pda, str(owner), protocol, leverage, amount, size, debt, price, self.terms[protocol]
            )
        preview = {
            **body,
            "positionPDA": pda,
            "tokenAPriceUSD": str(price),
            "tokenAAmountNative": str(size),
            "tokenBAmountNative": str(debt),
            "healthFactor": float(position.health_factor(price)),
            "collateralRatio": str(position.collateral_ratio(price)),
            "liquidationPriceUSD": str(position.liquidation_price().quantize(Decimal("0.0001"))),
        }
        return preview, position

    def _simulate(self, request: Request) -> dict[str, Any]:
        return self._preview(self._body(request))[0]

    def _create(self, request: Request) -> dict[str, Any]:
        preview, position = self._preview(self._body(request))
        owner = Pubkey.from_string(position.owner)
        sources = [a for a in self.rpc.token_accounts(position.owner) if a.amount >= position.collateral]
        if not sources:
            raise BadRequestError("the wallet holds less USDC than collateralAmountNative")
        blockhash, _ = self.rpc.latest_blockhash()
        message = txs.open_message(
            owner,
            Pubkey.from_string(sources[0].address),
            self.vault_token,
            Pubkey.from_string(USDC_MINT),
            position.collateral,
            USDC_DECIMALS,
            position.pda,
            Hash.from_string(blockhash),
        )
        with self._book:
            self._pending[("open", position.pda)] = (
                bytes(message),
                time.monotonic() + PENDING_SECONDS,
                position,
                position.collateral,
            )
        return {**preview, "signedTxs": [txs.partially_signed(message)]}

    def _submit_create(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        tx, position, amount = self._pending_take("open", str(body.get("positionPDA")), body.get("signedTxs"))
        with self._book:  # one submission at a time: the vault's balance change is this transaction's
            before = self._vault_balance()
            signature = self._land(tx)
            received = self._vault_balance() - before
            if received != amount:
                log.error(
                    "asgard: open %s landed (%s) but the vault received %s, not %s",
                    position.pda,
                    signature,
                    received,
                    amount,
                )
                raise BadRequestError(f"the vault received {received} base units, not {amount}", 500)
            position.id, self._next_id = self._next_id, self._next_id + 1
            position.open_tx, position.opened_at = signature, now_iso()
            self.positions[position.pda] = position
            return position.record(self.price)

    # -- close -------------------------------------------------------------------------------------
    def _close_request(self, body: dict[str, Any]) -> Position:
        position = self._position(body.get("positionPDA"))
        if str(body.get("walletPubkey")) != position.owner:
            raise BadRequestError("walletPubkey does not own this position", 403)
        if body.get("protocol", position.protocol) != position.protocol:
            raise BadRequestError("protocol does not match the position's")
        if position.state != ACTIVE:
            raise BadRequestError(f"the position is {position.record(self.price)['status']}", 409)
        return position

    def _close_simulate(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        with self._book:
            position = self._close_request(body)
            return {
                **body,
                "equityWithdrawnNative": str(position.equity(self.price)),
                "equityWithdrawnMint": USDC_MINT,
                "longTokenPriceUSD": str(self.price),
                "shortTokenPriceUSD": "1",
                "position": position.record(self.price),
            }

    def _close(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        with self._book:
            position = self._close_request(body)
            equity, price = position.equity(self.price), self.price
        accounts = self.rpc.token_accounts(position.owner)
        destination = Pubkey.from_string(accounts[0].address) if accounts else None
        blockhash, _ = self.rpc.latest_blockhash()
        message = txs.close_message(
            Pubkey.from_string(position.owner),
            self.vault.pubkey(),
            self.vault_token,
            destination,
            Pubkey.from_string(USDC_MINT),
            equity,
            USDC_DECIMALS,
            position.pda,
            Hash.from_string(blockhash),
        )
        signers = (self.vault,) if equity > 0 else ()
        with self._book:
            self._pending[("close", position.pda)] = (
                bytes(message),
                time.monotonic() + PENDING_SECONDS,
                position,
                equity,
            )
        return {
            **body,
            "equityWithdrawnNative": str(equity),
            "equityWithdrawnMint": USDC_MINT,
            "longTokenPriceUSD": str(price),
            "shortTokenPriceUSD": "1",
            "signedTxs": [txs.partially_signed(message, *signers)],
        }

    def _submit_close(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        tx, position, equity = self._pending_take(
            "close", str(body.get("positionPDA")), body.get("signedTxs")
        )
        with self._book:
            if position.state != ACTIVE:
                raise BadRequestError(f"the position is {position.record(self.price)['status']}", 409)
            before = self._vault_balance()
            signature = self._land(tx)
            paid = before - self._vault_balance()
            if paid != equity:
                log.error(
                    "asgard: close %s landed (%s) but the vault paid %s, not %s",
                    position.pda,
                    signature,
                    paid,
                    equity,
                )
            position.state, position.close_tx, position.closed_at = CLOSED, signature, now_iso()
            position.equity_withdrawn = paid
            return {
                "success": True,
                "txHash": signature,
                "equityWithdrawnNative": str(paid),
                "equityWithdrawnMint": USDC_MINT,
                "position": position.record(self.price),
            }

    # -- queries -----------------------------------------------------------------------------------
    def _owned(self, owner: str, states: tuple[int, ...]) -> list[dict[str, Any]]:
        with self._book:
            return [
                p.record(self.price)
                for p in self.positions.values()
                if p.owner == owner and p.state in states
            ]

    def _list(self, request: Request) -> Any:
        owner = (
            request.args.get("owner") if request.method == "GET" else self._body(request).get("walletPubkey")
        )
        if not owner:
            raise BadRequestError("walletPubkey (POST body) or ?owner= (GET) is required")
        return self._owned(str(owner), (ACTIVE, CLOSED, LIQUIDATED))

    def _list_open(self, request: Request) -> Any:
        return self._owned(str(self._body(request).get("walletPubkey")), (ACTIVE,))

    def _list_closed(self, request: Request) -> Any:
        return self._owned(str(self._body(request).get("walletPubkey")), (CLOSED, LIQUIDATED))

    def _one(self, request: Request, pda: str) -> dict[str, Any]:
        with self._book:
            return self._position(pda).record(self.price)

    def _by_pda(self, request: Request) -> dict[str, Any]:
        return self._one(request, request.args.get("pda", ""))

    def _refresh(self, request: Request) -> dict[str, Any]:
        wanted = self._body(request).get("positionPDAs")
        if not isinstance(wanted, list):
            raise BadRequestError("positionPDAs must be a list of {protocol, positionPDA}")
        answer: dict[str, Any] = {}
        with self._book:
            for item in wanted:
                position = self._position(item.get("positionPDA") if isinstance(item, dict) else None)
                bank_a, bank_b = self.banks[position.protocol]
                active = position.state == ACTIVE
                balances = [
                    {
                        bank_a: {
                            "mint": SOL_MINT,
                            "assetsQt": float(Decimal(position.size).scaleb(-9)) if active else 0,
                            "liabsQt": 0,
                            "assetsUsd": float(Decimal(position.value(self.price)).scaleb(-6)),
                        }
                    },
                    {
                        bank_b: {
                            "mint": USDC_MINT,
                            "assetsQt": 0,
                            "liabsQt": float(Decimal(position.debt).scaleb(-6)) if active else 0,
                        }
                    },
                ]
                answer[position.pda] = {
                    "accountAddress": position.pda,
                    "authority": position.owner,
                    "summary": {
                        "healthFactor": float(position.health_factor(self.price)) if active else 0,
                        "booksAndBalances": {"balances": balances},
                    },
                    "liquidationEvents": list(position.liquidation_events),
                }
        return {"positions": answer}

    def _price(self, request: Request) -> Any:
        if request.method == "POST":
            try:
                self.set_price(str(self._body(request).get("price")))
            except (ValueError, InvalidOperation) as exc:
                raise BadRequestError(str(exc)) from exc
        return {"price": str(self.price)}

    def _accrue(self, request: Request) -> Any:
        hours = self._body(request).get("hours")
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
            raise BadRequestError("hours must be a positive number")
        return {"interestAddedNative": str(self.accrue(hours))}
