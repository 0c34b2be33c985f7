"""The user store: one row per Privy DID with the profile and the server wallets (whether the user's
trading is paused is their strategy's state: ``basis.strategy.store``).

* ``sign_in`` upserts the row on every sign-in (first sign-in creates it) in one update;
* ``get`` reads the profile (``None`` when the user never signed in);
* ``describe_table`` is the health probe's proof that DynamoDB answers.
The wallet columns are written by the wallet store (``basis.wallets.store``) only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from basis.models import User
from basis.models.base import utcnow
from basis.platform.errors import UserNotFoundError
from basis.wallets.store import WALLETS_PENDING, ServerWallets


@dataclass(frozen=True)
class UserProfile:
    user_id: str
    email: str | None
    created_at: datetime
    last_sign_in_at: datetime | None
    wallets: ServerWallets


_PROFILE_COLUMNS = ("user_id", "email", "created_at", "last_sign_in_at")


def _profile(user: User) -> UserProfile:
    return UserProfile(**{c: getattr(user, c) for c in _PROFILE_COLUMNS}, wallets=ServerWallets.of(user))


def get(user_id: str) -> UserProfile | None:
    try:
        return _profile(User.get(user_id, consistent_read=True))
    except DoesNotExist:
        return None


def require(user_id: str) -> UserProfile:
    """The profile, or ``UserNotFoundError`` when the caller never signed in."""
    profile = get(user_id)
    if profile is None:
        raise UserNotFoundError(user_id)
    return profile


def sign_in(user_id: str, email: str | None = None) -> tuple[UserProfile, bool]:
    """Stamp the sign-in (creating the row the first time): the row as it is now, and whether
    this sign-in created it."""
    now = utcnow()
    user = User(user_id)
    actions: list[Action] = [
        User.last_sign_in_at.set(now),
        User.updated_at.set(now),
        User.created_at.set(User.created_at | now),
        User.wallet_state.set(User.wallet_state | WALLETS_PENDING),
    ]
    if email is not None:
        actions.append(User.email.set(email))
    user.update(actions=actions)
    return _profile(user), user.created_at == now


def describe_table() -> str:
    description = User.describe_table()
    return f"table {description['TableName']} {description['TableStatus']}"
