"""Reading the Asgard simulator's request bodies: each check fails with Asgard-like messages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from solders.pubkey import Pubkey
from werkzeug.wrappers import Request

from local.asgard.book import ACTIVE, PROTOCOLS, USDC_MINT, Position
from local.asgard.errors import BadRequestError
from local.asgard.state import AsgardState


def body(request: Request) -> dict[str, Any]:
    parsed = request.get_json(silent=True)
    if not isinstance(parsed, dict):
        raise BadRequestError("the body must be a JSON object")
    return parsed


def pubkey(value: Any, field: str) -> Pubkey:
    try:
        return Pubkey.from_string(str(value))
    except ValueError as exc:
        raise BadRequestError(f"{field} is not a Solana address") from exc


def trade_request(state: AsgardState, trade: dict[str, Any]) -> tuple[int, Decimal, int, Pubkey]:
    """(protocol, leverage, collateral in USDC base units, wallet) of a ``TradeRequestBody``."""
    protocol = trade.get("protocol")
    if protocol not in PROTOCOLS:
        raise BadRequestError(f"protocol must be one of {sorted(PROTOCOLS)} (LendingProtocol)")
    if trade.get("direction", 0) != 0:
        raise BadRequestError("only LONG (direction 0) positions are simulated")
    if trade.get("collateralType", 1) != 1 or trade.get("collateralMint", USDC_MINT) != USDC_MINT:
        raise BadRequestError("collateral must be USDC (collateralType 1, collateralMint USDC)")
    bank_a, bank_b = state.banks[protocol]
    if trade.get("tokenABank", bank_a) != bank_a or trade.get("tokenBBank", bank_b) != bank_b:
        raise BadRequestError("tokenABank / tokenBBank do not belong to this protocol's SOL/USDC market")
    amount = trade.get("collateralAmountNative")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise BadRequestError("collateralAmountNative must be a positive integer (USDC base units)")
    try:
        leverage = Decimal(str(trade.get("leverage")))
    except InvalidOperation as exc:
        raise BadRequestError("leverage must be a number") from exc
    max_leverage = state.terms[protocol].max_leverage
    if not leverage.is_finite() or leverage <= 1 or leverage > max_leverage:
        raise BadRequestError(f"leverage must be above 1 and at most {max_leverage}")
    return protocol, leverage, amount, pubkey(trade.get("walletPubkey"), "walletPubkey")


def close_request(state: AsgardState, close: dict[str, Any]) -> Position:
    """The active position a close request names, owned by its ``walletPubkey``."""
    position = state.position(close.get("positionPDA"))
    if str(close.get("walletPubkey")) != position.owner:
        raise BadRequestError("walletPubkey does not own this position", 403)
    if close.get("protocol", position.protocol) != position.protocol:
        raise BadRequestError("protocol does not match the position's")
    if position.state != ACTIVE:
        raise BadRequestError(f"the position is {position.record(state.price)['status']}", 409)
    return position
