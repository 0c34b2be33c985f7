"""Opening and closing a long: the preview, the unsigned transaction this service builds (held as
pending), and the submission that lands it and books the outcome once the vault's balance moved."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from solders.hash import Hash
from solders.pubkey import Pubkey

from local.asgard import transactions as txs
from local.asgard.book import ACTIVE, CLOSED, USDC_MINT, Position, now_iso
from local.asgard.errors import BadRequestError
from local.asgard.parsing import close_request, trade_request
from local.asgard.state import USDC_DECIMALS, AsgardState

log = logging.getLogger(__name__)


def _preview(state: AsgardState, trade: dict[str, Any]) -> tuple[dict[str, Any], Position]:
    protocol, leverage, amount, owner = trade_request(state, trade)
    position = state.new_position(owner, protocol, leverage, amount)
    price = position.entry_price
    answer = {
        **trade,
        "positionPDA": position.pda,
        "tokenAPriceUSD": str(price),
        "tokenAAmountNative": str(position.size),
        "tokenBAmountNative": str(position.debt),
        "healthFactor": float(position.health_factor(price)),
        "collateralRatio": str(position.collateral_ratio(price)),
        "liquidationPriceUSD": str(position.liquidation_price().quantize(Decimal("0.0001"))),
    }
    return answer, position


def simulate_open(state: AsgardState, trade: dict[str, Any]) -> dict[str, Any]:
    """``create-position-simulate``: the request echoed with the position it would open."""
    return _preview(state, trade)[0]


def build_open(state: AsgardState, trade: dict[str, Any]) -> dict[str, Any]:
    """``create-position``: the preview plus the collateral transfer for the wallet to sign."""
    answer, position = _preview(state, trade)
    sources = [a for a in state.rpc.token_accounts(position.owner) if a.amount >= position.collateral]
    if not sources:
        raise BadRequestError("the wallet holds less USDC than collateralAmountNative")
    blockhash, _ = state.rpc.latest_blockhash()
    message = txs.open_message(
        Pubkey.from_string(position.owner),
        Pubkey.from_string(sources[0].address),
        state.vault_token,
        Pubkey.from_string(USDC_MINT),
        position.collateral,
        USDC_DECIMALS,
        position.pda,
        Hash.from_string(blockhash),
    )
    state.hold("open", bytes(message), position, position.collateral)
    return {**answer, "signedTxs": [txs.partially_signed(message)]}


def _signed(state: AsgardState, kind: str, submission: dict[str, Any]) -> tuple[Any, Position, int]:
    """The one signed transaction of a submission, checked against the pending one it signs."""
    signed = submission.get("signedTxs")
    if not isinstance(signed, list) or len(signed) != 1 or not isinstance(signed[0], str):
        raise BadRequestError("signedTxs must hold the one signed transaction")
    try:
        tx = txs.decode(signed[0])
    except ValueError as exc:
        raise BadRequestError(str(exc)) from exc
    pending = state.take(kind, str(submission.get("positionPDA")))
    if bytes(tx.message) != pending.message:
        raise BadRequestError("the signed transaction is not the one this service built")
    return tx, pending.position, pending.amount


def submit_open(state: AsgardState, submission: dict[str, Any]) -> dict[str, Any]:
    tx, position, amount = _signed(state, "open", submission)
    with state.lock:  # one submission at a time: the vault's balance change is this transaction's
        before = state.vault_balance()
        signature = state.land(tx)
        received = state.vault_balance() - before
        if received != amount:
            log.error(
                "asgard: open %s landed (%s) but the vault received %s, not %s",
                position.pda,
                signature,
                received,
                amount,
            )
            raise BadRequestError(f"the vault received {received} base units, not {amount}", 500)
        state.book_open(position, signature)
        return position.record(state.price)


def quote_close(state: AsgardState, close: dict[str, Any]) -> dict[str, Any]:
    """``close-position-simulate``: what closing now would pay the wallet."""
    with state.lock:
        position = close_request(state, close)
        return {
            **close,
            "equityWithdrawnNative": str(position.equity(state.price)),
            "equityWithdrawnMint": USDC_MINT,
            "longTokenPriceUSD": str(state.price),
            "shortTokenPriceUSD": "1",
            "position": position.record(state.price),
        }


def build_close(state: AsgardState, close: dict[str, Any]) -> dict[str, Any]:
    """``close-position``: the vault's payout of the equity, vault-signed, for the wallet to sign."""
    with state.lock:
        position = close_request(state, close)
        equity, price = position.equity(state.price), state.price
    accounts = state.rpc.token_accounts(position.owner)
    destination = Pubkey.from_string(accounts[0].address) if accounts else None
    blockhash, _ = state.rpc.latest_blockhash()
    message = txs.close_message(
        Pubkey.from_string(position.owner),
        state.vault.pubkey(),
        state.vault_token,
        destination,
        Pubkey.from_string(USDC_MINT),
        equity,
        USDC_DECIMALS,
        position.pda,
        Hash.from_string(blockhash),
    )
    signers = (state.vault,) if equity > 0 else ()
    state.hold("close", bytes(message), position, equity)
    return {
        **close,
        "equityWithdrawnNative": str(equity),
        "equityWithdrawnMint": USDC_MINT,
        "longTokenPriceUSD": str(price),
        "shortTokenPriceUSD": "1",
        "signedTxs": [txs.partially_signed(message, *signers)],
    }


def submit_close(state: AsgardState, submission: dict[str, Any]) -> dict[str, Any]:
    tx, position, equity = _signed(state, "close", submission)
    with state.lock:
        if position.state != ACTIVE:
            raise BadRequestError(f"the position is {position.record(state.price)['status']}", 409)
        before = state.vault_balance()
        signature = state.land(tx)
        paid = before - state.vault_balance()
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
            "position": position.record(state.price),
        }
