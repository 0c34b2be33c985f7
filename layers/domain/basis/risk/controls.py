"""The user's manual controls of their strategy (seed 7.4.1) under the kill switch.

* ``update`` stores new parameters (checked against the caps) over the version the user read (C5);
  while the kill switch is engaged an enabled strategy is stored paused (``kill_switch``): nobody
  starts trading under the switch by editing;
* ``pause`` (reason ``user_requested``) never closes a position;
* ``resume`` is refused while the kill switch is engaged. Resuming after a risk pause accepts what
  caused it: after ``drawdown`` the drawdown is measured from the balance now, after
  ``consecutive_failures`` the streak starts again (else the next check would pause again).
"""

from __future__ import annotations

from basis.platform.errors import ConflictError
from basis.risk import kill_switch, tracking
from basis.risk import store as risks
from basis.risk.manager import CONSECUTIVE_FAILURES, DRAWDOWN
from basis.strategy import store as strategies
from basis.strategy.config import Strategy, StrategyParameters, validated

USER_REQUESTED = "user_requested"


class KillSwitchEngagedError(ConflictError, code="kill_switch_engaged"):
    """The platform's kill switch is engaged: no strategy resumes until an admin lifts it."""


def update(user_id: str, parameters: StrategyParameters, *, expected_version: int) -> Strategy:
    saved = strategies.save(user_id, validated(parameters), expected_version=expected_version)
    if saved.active and kill_switch.engaged():
        return strategies.pause(user_id, kill_switch.PAUSE_REASON)
    return saved


def pause(user_id: str) -> Strategy:
    return strategies.pause(user_id, USER_REQUESTED)


def resume(user_id: str) -> Strategy:
    switch = kill_switch.status()
    if switch.engaged:
        raise KillSwitchEngagedError(
            "the platform's kill switch is engaged: strategies resume once an admin lifts it",
            reason=switch.reason,
        )
    before = strategies.get(user_id)
    if before.paused_reason == DRAWDOWN:
        risks.change_balances(user_id, tracking.rebased)
    elif before.paused_reason == CONSECUTIVE_FAILURES:
        risks.clear_failures(user_id)
    return strategies.resume(user_id)
