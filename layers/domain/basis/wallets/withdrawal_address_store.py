"""The withdrawal address store: the addresses a user registered for withdrawals, on their row.

Each address has a state: ``pending`` (being added: maybe not yet in the platform signer's policy
at Privy), ``active`` (in the policy: deliveries may go there), ``removing`` (being taken out:
deliveries may no longer go there). ``read`` answers the list with its version; ``write`` replaces
it on condition that the version is still the one read (``ConflictError`` otherwise), so no change
is ever lost to a concurrent one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from basis.models import User
from basis.models.users import WithdrawalAddressMap
from basis.platform.errors import ConflictError, UserNotFoundError

PENDING, ACTIVE, REMOVING = "pending", "active", "removing"


@dataclass(frozen=True)
class WithdrawalAddress:
    address: str  # EIP-55 checksummed
    label: str | None
    state: str
    added_at: datetime


@dataclass(frozen=True)
class Registered:
    """A user's withdrawal addresses as read, and the version a write must find."""

    addresses: tuple[WithdrawalAddress, ...]
    version: int

    def find(self, address: str) -> WithdrawalAddress | None:
        return next((a for a in self.addresses if a.address.lower() == address.lower()), None)

    def with_state(self, *states: str) -> list[str]:
        return [a.address for a in self.addresses if a.state in states]


def read(user_id: str) -> Registered:
    try:
        user = User.get(user_id, consistent_read=True)
    except DoesNotExist:
        raise UserNotFoundError(user_id) from None
    addresses = tuple(
        WithdrawalAddress(a.address, a.label, a.state, a.added_at) for a in user.withdrawal_addresses or []
    )
    return Registered(addresses, int(user.withdrawal_addresses_version or 0))


def write(user_id: str, addresses: Iterable[WithdrawalAddress], version: int) -> Registered:
    """Replace the user's addresses, if they are still at ``version``; the list as written."""
    written = tuple(addresses)
    condition = (
        User.withdrawal_addresses_version == version
        if version
        else User.withdrawal_addresses_version.does_not_exist()
    )
    items = [
        WithdrawalAddressMap(address=a.address, label=a.label, state=a.state, added_at=a.added_at)
        for a in written
    ]
    try:
        User(user_id).update(
            actions=[
                User.withdrawal_addresses.set(items),
                User.withdrawal_addresses_version.set(version + 1),
            ],
            condition=User.user_id.exists() & condition,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise ConflictError("the withdrawal addresses changed meanwhile: retry") from exc
    return Registered(written, version + 1)
