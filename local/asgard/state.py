"""The Asgard simulator's book: the SOL price, each protocol's terms and banks, the positions, the
vault that lends and receives collateral, and the transactions built but not submitted yet.

``lock`` (re-entrant) guards the book; hold it across a read-modify-write of positions or price.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from werkzeug.test import Client

from basis.venues.solana.client import SolanaClient, SolanaRpcError, TransactionFailedError
from local.asgard.book import ACTIVE, DEFAULT_TERMS, LIQUIDATED, PROTOCOLS, Position, now_iso, opening
from local.asgard.errors import BadRequestError

USDC_DECIMALS = 6
PENDING_SECONDS = 90.0  # a built transaction's blockhash is good for ~60 s on Solana


def _bank(protocol: int, token: str) -> str:
    return str(Pubkey(hashlib.sha256(f"basis-local/asgard/{protocol}/{token}".encode()).digest()))


@dataclass(frozen=True)
class Pending:
    """A transaction this service built for a position, waiting for the user's signature."""

    message: bytes
    expires: float
    position: Position
    amount: int  # USDC base units the vault receives (open) or pays (close)


class AsgardState:
    def __init__(self, solana: Any, *, sol_price: float, program_id: str | None, liquidity_usdc: int) -> None:
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
        self.lock = threading.RLock()
        self._pending: dict[tuple[str, str], Pending] = {}
        self._next_id = 1

    # -- market moves ------------------------------------------------------------------------------
    def set_price(self, price: float | Decimal | str) -> None:
        value = Decimal(str(price))
        if not value.is_finite() or value <= 0:
            raise ValueError("the SOL price must be a positive number")
        with self.lock:
            self.price = value
            self._liquidate()

    def accrue(self, hours: float | Decimal) -> int:
        """Accrues borrow interest on every active position; the total added (USDC base units)."""
        with self.lock:
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

    # -- positions ---------------------------------------------------------------------------------
    def position(self, pda: Any) -> Position:
        position = self.positions.get(str(pda))
        if position is None:
            raise BadRequestError(f"no position {pda}", 404)
        return position

    def owned(self, owner: str, states: tuple[int, ...]) -> list[dict[str, Any]]:
        with self.lock:
            return [
                p.record(self.price)
                for p in self.positions.values()
                if p.owner == owner and p.state in states
            ]

    def new_position(self, owner: Pubkey, protocol: int, leverage: Decimal, collateral: int) -> Position:
        """A position priced now, not booked yet (it is once its open transaction landed)."""
        with self.lock:
            seed = f"asgard/{owner}/{self._next_id}/{time.time_ns()}"
            pda = str(Pubkey(hashlib.sha256(seed.encode()).digest()))
            size, debt = opening(collateral, leverage, self.price)
            return Position(
                0,
                pda,
                str(owner),
                protocol,
                leverage,
                collateral,
                size,
                debt,
                self.price,
                self.terms[protocol],
            )

    def book_open(self, position: Position, signature: str) -> None:
        with self.lock:
            position.id, self._next_id = self._next_id, self._next_id + 1
            position.open_tx, position.opened_at = signature, now_iso()
            self.positions[position.pda] = position

    # -- transactions ------------------------------------------------------------------------------
    def hold(self, kind: str, message: bytes, position: Position, amount: int) -> None:
        with self.lock:
            self._pending[(kind, position.pda)] = Pending(
                message, time.monotonic() + PENDING_SECONDS, position, amount
            )

    def take(self, kind: str, pda: str) -> Pending:
        with self.lock:
            pending = self._pending.pop((kind, pda), None)
        if pending is None or pending.expires < time.monotonic():
            raise BadRequestError(
                f"no {kind} transaction pending for {pda} (expired or already submitted)", 409
            )
        return pending

    def land(self, tx: Any) -> str:
        try:
            signature = self.rpc.send_transaction(base64.b64encode(bytes(tx)).decode())
            self.rpc.confirm(signature, timeout=10)
        except (SolanaRpcError, TransactionFailedError, TimeoutError) as exc:
            raise BadRequestError(f"the transaction did not land: {exc}") from exc
        return signature

    def vault_balance(self) -> int:
        return self.rpc.usdc_balance(str(self.vault.pubkey()))
