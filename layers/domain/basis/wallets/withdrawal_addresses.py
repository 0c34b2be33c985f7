"""Registered withdrawal addresses: where the platform may deliver a user's withdrawals.

The platform signs for a user's EVM server wallet under a per-user policy the USER owns
(``basis.policies.user_policy``, README "Custody"). A user registers an address with their own
key: the API hands their Privy access token to privy-client, which signs ``PATCH
/v1/policies/{id}`` with a user key, adding the address to that policy's USDC transfer rule. So
Privy itself refuses a platform-signed USDC transfer anywhere else, and the platform alone can
never add an address: no registered address, no automatic delivery.

The policy is the enforcement; the store (``withdrawal_address_store``) must never claim an
address the policy lacks. Every change runs under a per-user lease (concurrent changes answer
409) in an order that is safe at every crash point:

* register: the address is stored ``pending``, the policy is rewritten with every ``pending`` and
  ``active`` address, then the address is marked ``active``. A crash leaves it ``pending`` (not
  usable); registering it again repairs it.
* remove: the address is marked ``removing`` (no longer usable), the policy is rewritten without
  it, then it is dropped. A crash leaves it ``removing``; removing it again finishes.

Each rewrite is the whole per-user policy from the current settings, so it also brings the policy
up to date. A per-user policy the platform's quorum still owns (a wallet made before policies were
the user's) is first handed to the user, signed by the platform (``creator.hand_policy_over``):
that only narrows what the platform can do. Deliveries (the withdrawal saga) go only to ``active``
addresses, and the signer's local copy of the policy (``platform_evm_policy``) has exactly those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from basis.chains.addresses import evm_address
from basis.identity import users
from basis.platform import leases
from basis.platform.errors import (
    ConflictError,
    NotFoundError,
    RefusedError,
    TransientError,
    ValidationRefusedError,
)
from basis.platform.observability import logger
from basis.policies.settings import PolicySettings, get_policy_settings
from basis.policies.user_policy import build_user_evm_policy, user_policy_name
from basis.wallets import withdrawal_address_store as store
from basis.wallets.withdrawal_address_store import ACTIVE, PENDING, REMOVING, WithdrawalAddress

MAX_ADDRESSES = 5
LEASE_SECONDS = 60  # a change makes at most five Privy requests of 10 s each
ZERO_ADDRESS = "0x" + "0" * 40
FIELD = "address"
T = TypeVar("T")


class WithdrawalAddressNotFoundError(NotFoundError, code="withdrawal_address_not_found"):
    """The caller has no such registered withdrawal address (another user's is not found either)."""


class PrivyRefusedError(RefusedError, code="privy_refused"):
    """Privy refused the change of the platform's policy (the user's key, or the policy's owner)."""


def listed(user_id: str) -> list[WithdrawalAddress]:
    return list(store.read(user_id).addresses)


def active_destination(user_id: str, text: str) -> str:
    """``text`` as one of the caller's ``active`` addresses (checksummed); a 400 otherwise."""
    address = evm_address(text, "destination")
    found = store.read(user_id).find(address)
    if found is None or found.state != ACTIVE:
        raise ValidationRefusedError("not a registered withdrawal address", field="destination")
    return found.address


def is_active(user_id: str, address: str) -> bool:
    found = store.read(user_id).find(address)
    return found is not None and found.state == ACTIVE


def platform_evm_policy(user_id: str, address: str, settings: PolicySettings) -> dict[str, Any]:
    """The signer's local copy (``basis.policies.local_copy``) of the platform's policy for the
    user's EVM wallet at ``address``: the per-user policy with the user's ``active`` addresses (a
    subset of what the policy at Privy has, so the preflight never allows what Privy denies)."""
    from basis.policies.local_copy import for_wallet

    active = store.read(user_id).with_state(ACTIVE)
    return for_wallet(build_user_evm_policy(settings, address, active), address)


def register(user_id: str, access_token: str, text: str, label: str | None) -> WithdrawalAddress:
    """Add ``text`` to the caller's withdrawal addresses, by the caller's own key; the address as
    registered. Registering an ``active`` address again answers it as it is."""
    address = evm_address(text, FIELD)
    wallet_id, own = _evm_wallet(user_id)
    if address.lower() == own.lower():
        raise ValidationRefusedError(
            "this is your own server wallet: withdrawals reach it anyway", field=FIELD
        )
    if address == ZERO_ADDRESS:
        raise ValidationRefusedError("the zero address burns what is sent to it", field=FIELD)
    with _changing(user_id):
        current = store.read(user_id)
        found = current.find(address)
        if found is not None and found.state == ACTIVE:
            return found
        if found is None and len(current.addresses) >= MAX_ADDRESSES:
            raise ValidationRefusedError(
                f"at most {MAX_ADDRESSES} withdrawal addresses: remove one first",
                field=FIELD,
                limit=MAX_ADDRESSES,
            )
        entry = WithdrawalAddress(
            address,
            label if label is not None else found.label if found else None,
            PENDING,
            found.added_at if found else datetime.now(UTC),
        )
        current = store.write(user_id, _replaced(current.addresses, entry), current.version)
        _rewrite_policy(user_id, access_token, wallet_id, own, current.with_state(PENDING, ACTIVE))
        active = WithdrawalAddress(entry.address, entry.label, ACTIVE, entry.added_at)
        store.write(user_id, _replaced(current.addresses, active), current.version)
    logger.info("withdrawal address registered", extra={"user_id": user_id, "address": address})
    return active


def remove(user_id: str, access_token: str, text: str) -> None:
    """Take ``text`` out of the caller's withdrawal addresses, by the caller's own key."""
    address = evm_address(text, FIELD)
    wallet_id, own = _evm_wallet(user_id)
    with _changing(user_id):
        current = store.read(user_id)
        found = current.find(address)
        if found is None:
            raise WithdrawalAddressNotFoundError(f"no registered withdrawal address {address}")
        if found.state != REMOVING:
            leaving = WithdrawalAddress(found.address, found.label, REMOVING, found.added_at)
            current = store.write(user_id, _replaced(current.addresses, leaving), current.version)
        _rewrite_policy(user_id, access_token, wallet_id, own, current.with_state(PENDING, ACTIVE))
        kept = [a for a in current.addresses if a.address != found.address]
        store.write(user_id, kept, current.version)
    logger.info("withdrawal address removed", extra={"user_id": user_id, "address": address})


# -- helpers --------------------------------------------------------------------------------------
def _replaced(addresses: tuple[WithdrawalAddress, ...], entry: WithdrawalAddress) -> list[WithdrawalAddress]:
    """``addresses`` with ``entry`` in place of the one at its address (appended when new)."""
    if not any(a.address == entry.address for a in addresses):
        return [*addresses, entry]
    return [entry if a.address == entry.address else a for a in addresses]


def _evm_wallet(user_id: str) -> tuple[str, str]:
    wallets = users.require(user_id).wallets
    if not wallets.evm_wallet_id or not wallets.evm_address:
        raise ConflictError("the EVM server wallet is not ready yet: retry once it is")
    return wallets.evm_wallet_id, wallets.evm_address


@contextmanager
def _changing(user_id: str) -> Iterator[None]:
    try:
        with leases.lease(f"withdrawal-addresses#{user_id}", LEASE_SECONDS):
            yield
    except leases.LeaseHeldError:
        raise ConflictError("another change of your withdrawal addresses is in progress: retry") from None


def _privy(what: str, call: Callable[[], T]) -> T:
    import privy

    try:
        return call()
    except privy.APIConnectionError as exc:
        raise TransientError(f"Privy unreachable {what}: retry") from exc
    except privy.APIStatusError as exc:
        if exc.status_code >= 500 or exc.status_code in (408, 409, 429):
            raise TransientError(f"Privy answered {exc.status_code} {what}: retry") from exc
        raise PrivyRefusedError(f"Privy refused {what} ({exc.status_code})", status=exc.status_code) from exc


def _rewrite_policy(
    user_id: str, access_token: str, wallet_id: str, address: str, withdrawal: list[str]
) -> None:
    """The platform's per-user policy for the wallet, rewritten by the user with ``withdrawal``."""
    from basis.privy.authorization import as_user, policy_service
    from basis.privy.client import privy_client
    from basis.privy.ids import load_privy_ids
    from basis.wallets.creator import hand_policy_over, platform_policy_of

    client, ids = privy_client(), load_privy_ids()
    wallet = _privy("reading the server wallet", lambda: client.wallets.get(wallet_id))
    policy_id = platform_policy_of(wallet, str(ids.key_quorum_id))
    if policy_id is None or policy_id == ids.evm_policy_id:
        raise ConflictError(
            "the platform signs this wallet under no policy of your own: withdrawal addresses need one"
        )
    policy = _privy("reading the platform's policy", lambda: client.policies.get(policy_id))
    if policy.owner_id == ids.key_quorum_id and policy.name == user_policy_name(address):
        _privy("handing your policy over to you", lambda: hand_policy_over(policy_id, user_id, client=client))
    body = build_user_evm_policy(get_policy_settings(), address, withdrawal)
    change: Any = {"name": body["name"], "rules": body["rules"]}
    _privy(
        "changing your withdrawal addresses",
        lambda: policy_service(client).update(
            policy_id, policy_update_params=change, request_options=as_user(access_token)
        ),
    )
