"""The platform's kill switch (seed 7.4.3): a durable flag in the control table that every scan,
monitor checks (``engaged``: one consistent read) and every platform signature checks (``recent``:
a read at most 1 s old, see ``basis.signing.preflight``), and that pauses every user's strategy
when engaged.

* ``engage(by, reason)`` sets the flag FIRST (from then on nothing enters and the platform signs
  nothing), then pauses every active strategy with reason ``kill_switch``; both steps are
  idempotent, so a re-run (after a crash, or to catch users who enabled their strategy since)
  pauses whoever is still active and changes nothing else. A pause never closes a position.
* ``lift(by)`` clears the flag and resumes nobody: each user resumes their own strategy.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from basis.platform import flags
from basis.platform.observability import logger
from basis.strategy import store as strategies

NAME = "kill-switch"
ENGAGED, LIFTED = "engaged", "lifted"
PAUSE_REASON = "kill_switch"
PAUSE_WORKERS = 16  # concurrent pauses while engaging (each a read and a conditional write)


@dataclass(frozen=True)
class KillSwitch:
    engaged: bool
    by: str | None = None  # who engaged it (or lifted it, when lifted)
    reason: str | None = None
    changed_at: datetime | None = None


def status() -> KillSwitch:
    return _switch(flags.get(NAME, default_state=LIFTED))


def recent(along: Mapping[str, str] | None = None) -> KillSwitch:
    """``status`` as this container read it at most ``flags.RECENT_SECONDS`` ago (read again, with
    the flags ``along``, in one call when older)."""
    return _switch(flags.recent(NAME, default_state=LIFTED, along=along))


def _switch(flag: flags.Flag) -> KillSwitch:
    changed_at = flag.details.get("at")
    return KillSwitch(
        engaged=flag.state == ENGAGED,
        by=flag.details.get("by"),
        reason=flag.details.get("reason"),
        changed_at=datetime.fromisoformat(changed_at) if changed_at else None,
    )


def engaged() -> bool:
    return status().engaged


def engage(by: str, reason: str) -> tuple[KillSwitch, int]:
    """Engage the switch (an engaged one keeps who engaged it and why) and pause every active
    strategy; the switch and how many strategies this call paused."""
    if not engaged():
        flags.set_state(NAME, ENGAGED, by=by, reason=reason, at=datetime.now(UTC).isoformat())
        logger.critical("kill switch engaged", extra={"by": by, "reason": reason})
    with ThreadPoolExecutor(PAUSE_WORKERS) as pool:
        paused = sum(pool.map(_pause, list(strategies.active_users())))
    logger.warning("kill switch: strategies paused", extra={"paused": paused})
    return status(), paused


def _pause(user_id: str) -> bool:
    return strategies.pause(user_id, PAUSE_REASON).paused_reason == PAUSE_REASON


def lift(by: str) -> KillSwitch:
    """Lift the switch; every paused strategy stays paused until its user resumes it."""
    flags.set_state(NAME, LIFTED, by=by, at=datetime.now(UTC).isoformat())
    logger.warning("kill switch lifted", extra={"by": by})
    return status()
