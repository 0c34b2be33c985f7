"""``/api/v1/admin/kill-switch`` (seed 7.4.3), admins only (an internal service JWT with
``role: admin``; anyone else 403): read it, engage it (every active strategy paused, every platform
signature refused) and lift it (nobody resumed: each user resumes their own strategy)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import require_admin
from basis.api.strategy_schemas import KillSwitchRequest, KillSwitchResponse
from basis.risk import kill_switch
from basis.risk.kill_switch import KillSwitch

router = APIGatewayRouter()


def _answer(switch: KillSwitch, paused: int | None = None) -> KillSwitchResponse:
    return KillSwitchResponse(
        engaged=switch.engaged,
        by=switch.by,
        reason=switch.reason,
        changed_at=switch.changed_at,
        paused=paused,
    )


@router.get(
    "/admin/kill-switch",
    summary="Is the kill switch engaged, by whom and why; admin only",
    responses=route_responses(KillSwitchResponse, "the kill switch", 400, 401, 403, 405),
)
def get_kill_switch() -> KillSwitchResponse:
    require_admin(router.current_event)
    return _answer(kill_switch.status())


@router.post(
    "/admin/kill-switch",
    summary="Engage the kill switch: no entry, no platform signature, every active strategy paused "
    "(again: pauses whoever is still active); admin only",
    responses=route_responses(KillSwitchResponse, "the kill switch, engaged", 400, 401, 403, 405, 413, 415),
)
def engage_kill_switch(body: KillSwitchRequest) -> KillSwitchResponse:
    admin = require_admin(router.current_event)
    switch, paused = kill_switch.engage(admin.user_id, body.reason)
    return _answer(switch, paused)


@router.delete(
    "/admin/kill-switch",
    summary="Lift the kill switch; paused strategies stay paused until each user resumes; admin only",
    responses=route_responses(KillSwitchResponse, "the kill switch, lifted", 400, 401, 403, 405, 413, 415),
)
def lift_kill_switch() -> KillSwitchResponse:
    admin = require_admin(router.current_event)
    return _answer(kill_switch.lift(admin.user_id))
