"""One EVM sender's nonces across every container: its sends take turns.

``taking_turns`` holds the lease ``evm-nonce#<chain>#<sender>`` (``basis.platform.leases``) around
"read the pending nonce, sign, broadcast", so two sends from one wallet never read the same pending
nonce, whichever containers run them. A waiting send polls for the lease (jittered backoff) until
``wait_seconds`` and then gives up with ``WalletBusyError`` (transient: retry later). The lease
lives ``ttl_seconds`` (the longest a send can take), so a sender that died only delays the others.
Giving the lease back never raises: its send already happened (or did not), and an unreleased lease
just expires.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from basis.platform import leases
from basis.platform.errors import TransientError
from basis.platform.observability import logger

# How many times a send whose nonce the chain refused (nothing broadcast) is rebuilt with a fresh one.
STALE_NONCE_RESENDS = 2
FIRST_WAIT_SECONDS = 0.02
LONGEST_WAIT_SECONDS = 0.25


class WalletBusyError(TransientError):
    """Another send from this wallet held its nonce for longer than this one could wait."""


@contextmanager
def taking_turns(
    chain_id: int,
    sender: str,
    *,
    ttl_seconds: int,
    wait_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    name = f"evm-nonce#{chain_id}#{sender.lower()}"
    deadline = clock() + wait_seconds
    wait = FIRST_WAIT_SECONDS
    while True:
        try:
            owner = leases.acquire(name, ttl_seconds)
            break
        except leases.LeaseHeldError:
            if clock() >= deadline:
                raise WalletBusyError(f"sends from {sender} are busy: try again later") from None
            sleep(random.uniform(wait / 2, wait))  # noqa: S311 - jitter, not security
            wait = min(LONGEST_WAIT_SECONDS, wait * 2)
    try:
        yield
    finally:
        try:
            leases.release(name, owner)
        except Exception:
            logger.exception("nonce lease not given back: it expires by itself", extra={"lease": name})
