"""A user's turn in a monitor slot: the lease ``monitor#<user>`` and the slot claimed once
(``basis.scheduling.slots.user_turn``), for ``BASIS_MONITOR_LEASE_SECONDS`` at most. The scan's lease
is another (``scan#<user>``): a scan never delays a user's exit."""

from __future__ import annotations

from contextlib import AbstractContextManager

from basis.monitor import JOB
from basis.monitor.settings import get_monitor_settings
from basis.scheduling import slots


def user_turn(user_id: str, slot: str) -> AbstractContextManager[str | None]:
    settings = get_monitor_settings()
    return slots.user_turn(
        JOB, user_id, slot, settings.monitor_lease_seconds, settings.monitor_slot_max_age_seconds
    )
