"""Leases on claim items: the serverless stand-in for advisory locks (N1, N11).

A lease is taken with one conditional write (absent, or expired) and released by its owner with
another (only while it is still theirs). An owner that dies just lets it expire.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import DeleteError, PutError

from basis.models import Claim


class LeaseHeldError(Exception):
    """Another owner holds the lease right now."""


def _conditional_failed(error: PutError | DeleteError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


def acquire(name: str, ttl_seconds: int = 60, owner: str | None = None, now: float | None = None) -> str:
    """Take ``lease#<name>``; returns the owner token. Raises ``LeaseHeldError`` if someone else has it.
    ``now`` (epoch seconds) lets a caller with its own clock decide expiry consistently."""
    owner = owner or uuid.uuid4().hex
    now = int(time.time() if now is None else now)
    claim = Claim(f"lease#{name}", owner=owner, expires_at=now + ttl_seconds, ttl=now + ttl_seconds + 3600)
    try:
        # Free again from its expiry second on (a lease held for ttl seconds, not ttl + 1).
        claim.save(condition=Claim.claim.does_not_exist() | (Claim.expires_at <= now))
    except PutError as exc:
        if _conditional_failed(exc):
            raise LeaseHeldError(name) from exc
        raise
    return owner


def seconds_left(name: str) -> int:
    """How long until ``lease#<name>`` is free again: 0 when nobody holds it (or it expired)."""
    try:
        holder = Claim.get(f"lease#{name}", consistent_read=True)
    except Claim.DoesNotExist:
        return 0
    return max(0, int(holder.expires_at or 0) - int(time.time()))


def release(name: str, owner: str) -> bool:
    """Give the lease back if it is still ours; False when it expired and someone else took it."""
    try:
        Claim(f"lease#{name}").delete(condition=Claim.owner == owner)
    except DeleteError as exc:
        if _conditional_failed(exc):
            return False
        raise
    return True


def once(name: str, ttl_seconds: int) -> bool:
    """True for the first caller of ``name`` within ``ttl_seconds``, False for every other: a lease
    nobody releases, marking that something was done once."""
    try:
        acquire(f"once#{name}", ttl_seconds)
    except LeaseHeldError:
        return False
    return True


@contextmanager
def lease(name: str, ttl_seconds: int = 60) -> Iterator[str]:
    owner = acquire(name, ttl_seconds)
    try:
        yield owner
    finally:
        release(name, owner)
