"""A user's turn in a scan slot (N11, G12): the lease ``scan#<user>`` and the slot claimed once
(``basis.scheduling.slots.user_turn``), for ``BASIS_SCAN_LEASE_SECONDS`` at most."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager

from basis.platform import leases
from basis.platform.errors import TransientError
from basis.scan.outcomes import JOB
from basis.scan.settings import get_scan_settings
from basis.scheduling import slots


def user_turn(user_id: str, slot: str) -> AbstractContextManager[str | None]:
    """None while the caller has ``user_id``'s turn for ``slot``; else why not (a skip reason)."""
    settings = get_scan_settings()
    return slots.user_turn(
        JOB, user_id, slot, settings.scan_lease_seconds, settings.scan_slot_max_age_seconds
    )


class ScanInProgressError(TransientError, code="scan_in_progress"):
    """A scan of the user's strategy still held its turn when the wait ran out: retry."""


def wait_out(user_id: str, seconds: float, poll_seconds: float = 0.2) -> None:
    """Return once no scan holds ``user_id``'s turn: taking the lease and handing it straight back.
    A scan that took its turn before a pause may still be opening a position; one that takes it
    after sees the pause. ``ScanInProgressError`` when a scan still holds it after ``seconds``."""
    name = f"{JOB}#{user_id}"
    deadline = time.monotonic() + seconds
    while True:
        try:
            leases.release(name, leases.acquire(name, ttl_seconds=10))
            return
        except leases.LeaseHeldError:
            if time.monotonic() >= deadline:
                raise ScanInProgressError(
                    "a scan of this strategy is still starting an entry: the strategy is paused, "
                    "retry in a few seconds"
                ) from None
            time.sleep(poll_seconds)
