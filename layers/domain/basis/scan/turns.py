"""A user's turn in a scan slot (N11, G12): the lease ``scan#<user>`` and the slot claimed once
(``basis.scheduling.slots.user_turn``), for ``BASIS_SCAN_LEASE_SECONDS`` at most."""

from __future__ import annotations

from contextlib import AbstractContextManager

from basis.scan.outcomes import JOB
from basis.scan.settings import get_scan_settings
from basis.scheduling import slots


def user_turn(user_id: str, slot: str) -> AbstractContextManager[str | None]:
    """None while the caller has ``user_id``'s turn for ``slot``; else why not (a skip reason)."""
    settings = get_scan_settings()
    return slots.user_turn(
        JOB, user_id, slot, settings.scan_lease_seconds, settings.scan_slot_max_age_seconds
    )
