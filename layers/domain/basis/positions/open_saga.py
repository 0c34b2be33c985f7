"""Steps of the hedge open saga, each invoked by a Step Functions Task state.

open_short (Hyperliquid) -> open_long (Asgard, sized from the short's fill) -> finish_open
(``open``, or straight on to the close saga when a close was asked for meanwhile; the user is marked
for the position monitor first, ``basis.risk.store.watch``, so no open position goes unwatched; an
``open`` position ends the user's failure streak, ``basis.risk.manager.record_success``). ``unwind`` is
the Catch of every step: whatever leg opened is closed (a leg whose order may have reached its
venue is first looked up there) and the position ends ``failed``, nothing left open. ``stuck`` is
the unwind's own Catch: ``stuck_unwind``, alarmed, never re-entered automatically.

Every step re-reads the row and acts only on what it says: a re-run (retry, crash) finds its leg
``open`` and answers again, or finds the client id it recorded and asks the venue about it before
sending anything (``basis.positions.legs``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from basis.platform.errors import ConflictError
from basis.platform.observability import logger
from basis.positions import saga, store
from basis.positions.saga import StepInput, answer, load, venue
from basis.positions.store import now
from basis.risk import manager
from basis.risk import store as risks


def finish_open(event: StepInput) -> dict[str, Any]:
    position = load(event)
    if position.status == "opening":
        if not (position.short.is_open and position.long.is_open):
            raise ConflictError(f"position {position.position_id} has a leg that is not open")
        risks.watch(position.user_id)  # before the position is open (a re-run marks again)
        if position.close_requested:  # asked to close while it was opening: close it now
            position = store.update(
                position,
                status="closing",
                detail=position.close_requested,
                opened_at=now(),
                close_reason=position.close_requested,
                close_requested=None,
            )
        else:
            position = store.update(position, status="open", detail="both legs open", opened_at=now())
        logger.info("hedge opened", extra={"position_id": position.position_id, "mode": position.mode})
    if position.status == "open":  # an entry that worked ends the failure streak (a re-run: again)
        manager.record_success(position.user_id)
    if position.status == "closing":  # also a re-run that died before starting the close saga
        saga.start("close", position)
    return answer(position)


def unwind(event: StepInput) -> dict[str, Any]:
    """Close whatever opened (never re-open anything); ``failed`` once nothing is left open."""
    position = load(event)
    if position.status in store.FINAL:
        return answer(position)
    if position.status == "opening":
        detail = saga.failure(event)
        position = store.update(position, status="unwinding", detail=detail, error=detail)
    if position.status != "unwinding":
        raise ConflictError(f"position {position.position_id} is {position.status}, not unwinding")
    for side in ("long", "short"):  # the long first: while it stays open the hedge still holds
        leg_venue = venue(position, side)
        position = leg_venue.close(leg_venue.resolve(position))
    position = store.update(
        position,
        status="failed",
        detail="unwound: nothing left open",
        realized_pnl_usd=saga.realized_pnl(position),
    )
    logger.warning(
        "hedge open failed and unwound", extra={"position_id": position.position_id, "error": position.error}
    )
    return answer(position)


STEPS: dict[str, Callable[[StepInput], dict[str, Any]]] = {
    "open_short": saga.leg_step("open", "short", "opening"),
    "open_long": saga.leg_step("open", "long", "opening"),
    "finish_open": finish_open,
    "unwind": unwind,
    "stuck": saga.stuck,
}
