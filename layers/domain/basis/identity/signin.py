"""Sign-in (seed 2.3, C1): upsert the user and request wallets in the background.

Sign-in never calls Privy and never fails because provisioning cannot start: wallets are asked
for with an event that the provisioning function consumes, at most once per ``REQUEST_EVERY``
seconds per user (concurrent sign-ins and polling clients share one request).
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.expressions.update import Action

from basis.models import User
from basis.models.base import utcnow
from basis.platform import events, leases
from basis.platform.observability import logger
from basis.wallets.provisioning import ServerWallets

REQUEST_EVERY = 30


@dataclass(frozen=True)
class SignIn:
    user: User
    created: bool
    wallets: ServerWallets

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
    now = utcnow()
    user = User(user_id)
    actions: list[Action] = [
        User.last_sign_in_at.set(now),
        User.updated_at.set(now),
        User.created_at.set(User.created_at | now),
    ]
    if email is not None:
        actions.append(User.email.set(email))
    user.update(actions=actions)
    created = user.created_at == now
    wallets = ServerWallets.of(user)
    if not wallets.complete:
        request_wallets(user_id)
    return SignIn(user=user, created=created, wallets=wallets)
