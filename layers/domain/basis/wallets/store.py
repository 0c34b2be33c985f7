"""The wallet store: the server wallet ids and addresses on the user's row, and their claim items.

* ``get_user_wallets`` reads one user's wallets (``None`` when there is no such user);
* ``record_wallet`` writes one chain's wallet in one transaction with its uniqueness guards
  (``wallet#<id>``, ``address#<chain>#<address>``, N1), on condition that the user exists and has no
  wallet of that chain yet, deleting the chain's orphan record;
* orphans (``orphan#<user>#<chain>``) keep a wallet created at Privy whose database write failed,
  until the next attempt adopts it;
* ``wallet_state`` on the user's row (``pending`` from sign-in, ``ready`` once both wallets are
  recorded) keys the sparse ``by_wallet_state`` index the listings query (never a table scan):
  ``users_with_wallets`` (at least one server wallet: operators' view), ``users_with_evm_wallets``
  (the gas funder) and ``users_with_incomplete_wallets`` (the startup check, seed 5.4).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from basis.models import Claim, User, connection
from basis.models.base import utcnow
from basis.platform.observability import logger

WALLETS_PENDING = "pending"
WALLETS_READY = "ready"


class HasWallets(Protocol):
    @property
    def evm_wallet_id(self) -> str | None: ...
    @property
    def evm_address(self) -> str | None: ...
    @property
    def solana_wallet_id(self) -> str | None: ...
    @property
    def solana_address(self) -> str | None: ...


@dataclass(frozen=True)
class ServerWallets:
    evm_wallet_id: str | None = None
    evm_address: str | None = None
    solana_wallet_id: str | None = None
    solana_address: str | None = None

    @classmethod
    def of(cls, user: HasWallets) -> ServerWallets:
        return cls(user.evm_wallet_id, user.evm_address, user.solana_wallet_id, user.solana_address)

    @property
    def complete(self) -> bool:
        return bool(self.evm_wallet_id and self.solana_wallet_id)

    @property
    def empty(self) -> bool:
        return not (self.evm_wallet_id or self.solana_wallet_id)

    def has(self, chain: str) -> bool:
        return bool(self.evm_wallet_id if chain == "ethereum" else self.solana_wallet_id)


class CreatedWallet(NamedTuple):
    """A wallet as Privy created it."""

    id: str
    address: str
    chain_type: str


@dataclass(frozen=True)
class WalletHolder:
    user_id: str
    wallets: ServerWallets


@dataclass(frozen=True)
class IncompleteWallets:
    user_id: str
    missing: tuple[str, ...]  # the chains without a server wallet
    since: datetime  # when the row was created (first sign-in)


class WalletNotRecordedError(Exception):
    """The wallet could not be written: a condition or guard failed, or DynamoDB refused the write."""


def get_user_wallets(user_id: str) -> ServerWallets | None:
    try:
        return ServerWallets.of(User.get(user_id, consistent_read=True))
    except DoesNotExist:
        return None


def _by_state(state: str, condition: Condition | None = None) -> Iterator[User]:
    return User.by_wallet_state.query(state, filter_condition=condition)


def users_with_wallets() -> Iterator[WalletHolder]:
    pending = _by_state(WALLETS_PENDING, User.evm_wallet_id.exists() | User.solana_wallet_id.exists())
    for user in (*_by_state(WALLETS_READY), *pending):
        yield WalletHolder(user.user_id, ServerWallets.of(user))


def users_with_evm_wallets() -> Iterator[WalletHolder]:
    for state in (WALLETS_READY, WALLETS_PENDING):
        for user in _by_state(state, User.evm_address.exists()):
            yield WalletHolder(user.user_id, ServerWallets.of(user))


def users_with_incomplete_wallets() -> Iterator[IncompleteWallets]:
    """Users who signed in but lack a server wallet (including those being provisioned right now)."""
    for user in _by_state(WALLETS_PENDING):
        wallets = ServerWallets.of(user)
        missing = tuple(chain for chain in ("ethereum", "solana") if not wallets.has(chain))
        if missing:
            yield IncompleteWallets(user.user_id, missing, user.created_at)


def _id_attr(chain: str) -> UnicodeAttribute:
    return User.evm_wallet_id if chain == "ethereum" else User.solana_wallet_id


def _address_attr(chain: str) -> UnicodeAttribute:
    return User.evm_address if chain == "ethereum" else User.solana_address


def _orphan_key(user_id: str, chain: str) -> str:
    return f"orphan#{user_id}#{chain}"


def record_wallet(user_id: str, wallet: CreatedWallet) -> None:
    """Store ``wallet`` on the user's row with its guards; ``WalletNotRecordedError`` otherwise."""
    chain = wallet.chain_type
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(
                User(user_id),
                actions=[
                    _id_attr(chain).set(wallet.id),
                    _address_attr(chain).set(wallet.address),
                    # Never ready before this write: the condition says this chain had no wallet.
                    User.wallet_state.set(WALLETS_PENDING),
                    User.updated_at.set(utcnow()),
                ],
                condition=User.user_id.exists() & _id_attr(chain).does_not_exist(),
            )
            tx.save(Claim(f"wallet#{wallet.id}", owner=user_id), condition=Claim.claim.does_not_exist())
            tx.save(
                Claim(f"address#{chain}#{wallet.address.lower()}", owner=user_id),
                condition=Claim.claim.does_not_exist(),
            )
            tx.delete(Claim(_orphan_key(user_id, chain)))
    except (TransactWriteError, PutError) as exc:
        raise WalletNotRecordedError(str(exc)) from exc
    _mark_ready_if_complete(user_id)


def _mark_ready_if_complete(user_id: str) -> None:
    """``ready`` once both wallets are on the row. Each recorder tries after its own write, so the
    one that completes the pair always sees both; a failed write leaves ``pending`` (still listed)."""
    try:
        User(user_id).update(
            actions=[User.wallet_state.set(WALLETS_READY)],
            condition=User.evm_wallet_id.exists() & User.solana_wallet_id.exists(),
        )
    except UpdateError as exc:  # not complete yet, or DynamoDB refused: the row stays pending
        if exc.cause_response_code != "ConditionalCheckFailedException":
            logger.warning("wallet state not updated", extra={"user_id": user_id, "error": str(exc)})


def wallet_owner(wallet_id: str) -> str | None:
    """The user whose ``wallet#<id>`` guard holds this wallet id, if any."""
    try:
        return str(Claim.get(f"wallet#{wallet_id}", consistent_read=True).owner)
    except DoesNotExist:
        return None


def orphan_of(user_id: str, chain: str) -> CreatedWallet | None:
    try:
        orphan = Claim.get(_orphan_key(user_id, chain), consistent_read=True)
    except DoesNotExist:
        return None
    data = json.loads(orphan.data or "{}")
    return CreatedWallet(id=data["id"], address=data["address"], chain_type=chain)


def save_orphan(user_id: str, wallet: CreatedWallet) -> None:
    """Keep a wallet Privy created but the database did not record; ``WalletNotRecordedError``
    when even that write fails."""
    data = json.dumps({"id": wallet.id, "address": wallet.address})
    try:
        Claim(_orphan_key(user_id, wallet.chain_type), owner=user_id, data=data).save()
    except PutError as exc:
        raise WalletNotRecordedError(str(exc)) from exc
