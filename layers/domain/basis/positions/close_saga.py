"""Steps of the hedge close saga, each invoked by a Step Functions Task state.

close_long (Asgard, the leg more likely to refuse: while it is open the hedge still holds) ->
close_short (Hyperliquid) -> finish_close (``closed`` with its close time, reason and realized PnL;
then the close noted on the user's strategy, ``basis.strategy.store.record_close``: the cooldown runs
from the close time, and without ``auto_reopen`` the strategy is paused (``closed_no_reopen``).
Noting it again, as a re-run of the step does, changes nothing: it is noted once per close.)
``stuck`` is the Catch of every step: a leg that could not be closed leaves the position
``stuck_unwind``, alarmed, never re-entered automatically, and nothing closed is ever re-opened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from basis.platform.errors import ConflictError
from basis.platform.observability import logger
from basis.positions import saga, store
from basis.positions.saga import StepInput, answer, load
from basis.positions.store import now
from basis.strategy import store as strategies


def finish_close(event: StepInput) -> dict[str, Any]:
    position = load(event)
    if position.status == "closing":
        if position.short.is_open or position.long.is_open:
            raise ConflictError(f"position {position.position_id} still has an open leg")
        pnl = saga.realized_pnl(position)
        position = store.update(
            position, status="closed", detail=position.close_reason, closed_at=now(), realized_pnl_usd=pnl
        )
        logger.info("hedge closed", extra={"position_id": position.position_id, "realized_pnl_usd": str(pnl)})
    if position.status == "closed" and position.closed_at is not None:  # also a re-run after the write
        strategies.record_close(position.user_id, position.closed_at)
    return answer(position)


STEPS: dict[str, Callable[[StepInput], dict[str, Any]]] = {
    "close_long": saga.leg_step("close", "long", "closing"),
    "close_short": saga.leg_step("close", "short", "closing"),
    "finish_close": finish_close,
    "stuck": saga.stuck,
}
