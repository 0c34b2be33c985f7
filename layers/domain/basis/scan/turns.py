"""A user's turn in a slot (N11, G12): the serverless stand-in for the seed's advisory lock.

The user's lease ``scan#<user>`` is taken with one conditional write: while one worker evaluates the
user, any other (the same slot delivered twice at once, or the next slot while this one is slow)
skips. Under the lease, the slot is claimed once (``once#scan#<user>#<slot>``): a slot delivered
again later is dropped. The lease is released at the end; a worker that dies holding it delays the
user's next scan by at most ``BASIS_SCAN_LEASE_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from basis.platform import leases
from basis.scan.outcomes import DUPLICATE_SLOT, LEASE_HELD
from basis.scan.settings import get_scan_settings


@contextmanager
def user_turn(user_id: str, slot: str) -> Iterator[str | None]:
    """None while the caller has ``user_id``'s turn for ``slot``; else why not (a skip reason)."""
    settings = get_scan_settings()
    name = f"scan#{user_id}"
    try:
        owner = leases.acquire(name, settings.scan_lease_seconds)
    except leases.LeaseHeldError:
        yield LEASE_HELD
        return
    try:
        # Kept past the age at which a delivery of the slot is dropped as stale anyway.
        first = leases.once(f"{name}#{slot}", 2 * settings.scan_slot_max_age_seconds)
        yield None if first else DUPLICATE_SLOT
    finally:
        leases.release(name, owner)
