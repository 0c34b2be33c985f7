"""Opening and closing hedged positions: what the scan worker, the monitor, the manual controls and
the positions API call.

``open_position`` writes the position row (``opening``) and starts the open saga under the position
id; ``close_position`` moves an open position to ``closing`` and starts the close saga. Both are
idempotent: the same ``position_id`` (or ``intent_key``) finds the same row and Step Functions
refuses a second execution of the same name, so a repeated call (a retried message, a second
worker) never opens or closes twice. A position asked to close while it is still opening is closed
as soon as both legs are open (the open saga hands over to the close saga).

``close_all`` is the user's emergency exit (seed 7.4.2): the strategy paused first (nothing new
opens), then one close per position not closed yet.
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
from basis.positions.store import PositionRecord, StaleVersionError, Terms
from basis.risk import kill_switch
from basis.strategy import store as strategies
from basis.strategy.config import Strategy

Mode = Literal["live", "paper"]
MODES = ("live", "paper")
# Step Functions execution names: at most 80 characters of letters, digits, '-' and '_'.
POSITION_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
WRITE_ATTEMPTS = 5  # a close racing the saga's own writes re-reads and decides again
CLOSE_ALL = "user_close_all"  # the pause reason and the close reason of ``close_all``


class PositionNotFoundError(NotFoundError, code="position_not_found"):
    """No position with this id for the caller (another user's id included: never a 403)."""


class KillSwitchEngagedError(ConflictError, code="kill_switch_engaged"):
    """The kill switch is engaged: the platform signs nothing, so no close could finish now."""


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
    terms = Terms(mode, asset, size_usd, leverage)
    position, created = store.create(user_id, position_id, terms, reason, intent_key)
    if position.terms != terms:
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


CLOSE_ALL_SCAN_WAIT_SECONDS = 10  # within the API's 29 s; a scan's entry takes well under a second


def close_all(user_id: str) -> tuple[Strategy, list[PositionRecord]]:
    """Pause the user's strategy (``user_close_all``; an earlier pause keeps its reason), then close
    every position that is not final. Idempotent: a repeat starts nothing new and answers the same
    closes. The answer: the strategy, and the positions this close-all concerns (those not final,
    and those it closed since the strategy's pause), as they are now.

    A scan that took the user's turn before the pause may still be opening a position: the list is
    read only once no scan holds the turn (``basis.scan.turns.wait_out``; a scan taking it after the
    pause sees the pause), so nothing it opens escapes this close-all.

    While the kill switch is engaged the strategy is paused but nothing is closed
    (``KillSwitchEngagedError``): the closes would need signatures the switch refuses."""
    from basis.scan.turns import wait_out  # the scan opens positions through this module

    strategy = strategies.pause(user_id, CLOSE_ALL)
    wait_out(user_id, CLOSE_ALL_SCAN_WAIT_SECONDS)
    if kill_switch.engaged():
        raise KillSwitchEngagedError(
            "the kill switch is engaged: the strategy is paused, close once it lifts"
        )
    answered: list[PositionRecord] = []
    failures: list[Exception] = []
    for position in store.list_for_user(user_id, consistent=True):
        if position.status in store.FINAL:
            if _closed_by_close_all(position, strategy):
                answered.append(position)
            continue
        try:
            answered.append(close_position(user_id, position.position_id, CLOSE_ALL))
        except Exception as exc:  # the others still close; the caller retries this one
            logger.exception("close-all: a position not closed", extra={"position_id": position.position_id})
            failures.append(exc)
    if failures:
        raise failures[0]
    logger.info("close-all", extra={"user_id": user_id, "positions": len(answered)})
    return strategy, answered


def _closed_by_close_all(position: PositionRecord, strategy: Strategy) -> bool:
    """Moved to ``closing`` by a close-all since the strategy's pause (closed or stuck since)."""
    paused_at = strategy.paused_at
    return paused_at is not None and any(
        change.status == "closing" and change.detail == CLOSE_ALL and change.at >= paused_at
        for change in position.history
    )


def get_position(user_id: str, position_id: str) -> PositionRecord:
    # Keyed by the caller: another user's id is not found; nor is what cannot be a position id.
    position = store.get(user_id, position_id) if POSITION_ID.match(position_id) else None
    if position is None:
        raise PositionNotFoundError(f"no position {position_id}")
    return position


def list_positions(user_id: str, *, consistent: bool = False) -> list[PositionRecord]:
    """The user's positions, newest first."""
    return store.list_for_user(user_id, consistent=consistent)


def positions_in_status(status: str) -> list[PositionRecord]:
    """Every user's positions in ``status``, from the status index (``tools.watch_positions``)."""
    return store.in_status(status)
