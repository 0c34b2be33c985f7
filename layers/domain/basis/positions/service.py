"""Opening and closing hedged positions: what the scan worker, the monitor, the manual controls and
the positions API call.

``open_position`` writes the position row (``opening``) and starts the open saga under the position
id; ``close_position`` moves an open position to ``closing`` and starts the close saga. Both are
idempotent: the same ``position_id`` (or ``intent_key``) finds the same row and Step Functions
refuses a second execution of the same name, so a repeated call (a retried message, a second
worker) never opens or closes twice. A position asked to close while it is still opening is closed
as soon as both legs are open (the open saga hands over to the close saga).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from decimal import Decimal
from typing import Literal

from basis.identity import users
from basis.platform.errors import ConflictError, NotFoundError, ValidationRefusedError
from basis.platform.observability import logger
from basis.positions import saga, store
from basis.positions.legs import HEDGEABLE_ASSETS
from basis.positions.store import PositionRecord, StaleVersionError

Mode = Literal["live", "paper"]
MODES = ("live", "paper")
# Step Functions execution names: at most 80 characters of letters, digits, '-' and '_'.
POSITION_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
WRITE_ATTEMPTS = 5  # a close racing the saga's own writes re-reads and decides again


class PositionNotFoundError(NotFoundError, code="position_not_found"):
    """No position with this id for the caller (another user's id included: never a 403)."""


def position_id_for(user_id: str, intent_key: str) -> str:
    """The position id an intent key stands for, per user: the same key, the same position."""
    return "pos-" + hashlib.sha256(f"{user_id}\n{intent_key}".encode()).hexdigest()[:32]


def _check(asset: str, size_usd: Decimal, leverage: Decimal, mode: str, position_id: str) -> None:
    if mode not in MODES:
        raise ValidationRefusedError(f"mode must be one of {list(MODES)}", field="mode")
    if asset not in HEDGEABLE_ASSETS:
        raise ValidationRefusedError(
            f"{asset} cannot be hedged: only {list(HEDGEABLE_ASSETS)}", field="asset"
        )
    if not isinstance(size_usd, Decimal) or not size_usd.is_finite() or size_usd <= 0:
        raise ValidationRefusedError("size_usd must be a positive Decimal", field="size_usd")
    if not isinstance(leverage, Decimal) or not leverage.is_finite() or leverage <= 1:
        raise ValidationRefusedError("leverage must be a Decimal above 1 (Asgard borrows)", field="leverage")
    if not POSITION_ID.match(position_id):
        raise ValidationRefusedError("position_id: 1-80 letters, digits, '-' or '_'", field="position_id")


def open_position(
    user_id: str,
    *,
    asset: str,
    size_usd: Decimal,
    leverage: Decimal,
    mode: Mode,
    reason: str,
    position_id: str | None = None,
    intent_key: str | None = None,
) -> PositionRecord:
    """Open a hedge of ``size_usd`` notional per leg: a Hyperliquid short and an Asgard long at
    ``leverage`` (its collateral ``size_usd / leverage``). ``paper``: simulated fills, nothing signed.
    With ``position_id`` (or ``intent_key``) a repeated call answers the same position."""
    if position_id is None:
        position_id = position_id_for(user_id, intent_key) if intent_key else f"pos-{uuid.uuid4().hex}"
    _check(asset, size_usd, leverage, mode, position_id)
    wallets = users.require(user_id).wallets
    if mode == "live" and not wallets.complete:
        raise ConflictError("the server wallets are not ready yet: retry once they are")
    position, created = store.create(
        user_id,
        position_id,
        mode=mode,
        asset=asset,
        size_usd=size_usd,
        leverage=leverage,
        reason=reason,
        intent_key=intent_key,
    )
    if (position.mode, position.asset, position.size_usd, position.leverage) != (
        mode,
        asset,
        size_usd,
        leverage,
    ):
        raise ConflictError(f"position {position_id} exists with other terms: use another id or intent key")
    if position.status == "opening":  # also a repeat whose first call died before starting the saga
        saga.start("open", position)
    logger.info(
        "position open requested",
        extra={"position_id": position_id, "mode": mode, "new_position": created, "reason": reason},
    )
    return position


def close_position(user_id: str, position_id: str, reason: str) -> PositionRecord:
    """Close ``position_id`` (idempotent): an open position moves to ``closing`` and its close saga
    starts; one still opening is closed once open; one closing, closed, failed or stuck is answered
    as it is."""
    for _ in range(WRITE_ATTEMPTS):
        position = get_position(user_id, position_id)
        try:
            if position.status == "open":
                position = store.update(position, status="closing", detail=reason, close_reason=reason)
                logger.info("position close requested", extra={"position_id": position_id, "reason": reason})
            elif position.status == "opening" and not position.close_requested:
                return store.update(position, close_requested=reason)
        except StaleVersionError:
            continue  # the saga moved it meanwhile: decide again on what it is now
        if position.status == "closing":  # also a repeat whose first call died before starting it
            saga.start("close", position)
        return position
    raise ConflictError(f"position {position_id} keeps changing: retry")


def get_position(user_id: str, position_id: str) -> PositionRecord:
    # Keyed by the caller: another user's id is not found; nor is what cannot be a position id.
    position = store.get(user_id, position_id) if POSITION_ID.match(position_id) else None
    if position is None:
        raise PositionNotFoundError(f"no position {position_id}")
    return position


def list_positions(user_id: str) -> list[PositionRecord]:
    """The user's positions, newest first."""
    return store.list_for_user(user_id)


def positions_in_status(status: str) -> list[PositionRecord]:
    """Every user's positions in ``status`` (``open`` for the monitor), from the status index."""
    return store.in_status(status)
