"""Sign-in (seed 2.3, C1): upsert the user and request wallets in the background.

Sign-in never calls Privy and never fails because provisioning cannot start: wallets are asked
for with an event that the provisioning function consumes, at most once per ``REQUEST_EVERY``
seconds per user (concurrent sign-ins and polling clients share one request).
"""

from __future__ import annotations

from dataclasses import dataclass

from basis.identity import users
from basis.platform import events, leases
from basis.platform.observability import logger
from basis.wallets.store import ServerWallets

REQUEST_EVERY = 30


@dataclass(frozen=True)
class SignIn:
    user: users.UserProfile
    created: bool

    @property
    def wallets(self) -> ServerWallets:
        return self.user.wallets

    @property
    def wallets_provisioning(self) -> bool:
        return not self.wallets.complete


def request_wallets(user_id: str) -> bool:
    """Ask for provisioning unless it was asked recently; never raises. True if an event went out."""
    name = f"wallets-requested#{user_id}"
    try:
        owner = leases.acquire(name, ttl_seconds=REQUEST_EVERY)
    except leases.LeaseHeldError:
        return False
    except Exception:  # e.g. throttled: sign-in must not fail; the next poll or sign-in asks again
        logger.exception("could not take the wallet-request lease", extra={"user_id": user_id})
        return False
    try:
        events.publish(events.WALLETS_REQUESTED, {"user_id": user_id})
    except Exception:  # sign-in must not fail: the next poll or sign-in asks again
        logger.exception("could not request wallet provisioning", extra={"user_id": user_id})
        try:
            leases.release(name, owner)  # so the very next call may try again
        except Exception:  # the lease expires by itself
            logger.exception("could not give the wallet-request lease back", extra={"user_id": user_id})
        return False
    logger.info("wallet provisioning requested", extra={"user_id": user_id})
    return True


def sync(user_id: str, email: str | None = None) -> SignIn:
    profile, created = users.sign_in(user_id, email)
    if not profile.wallets.complete:
        request_wallets(user_id)
    return SignIn(user=profile, created=created)
