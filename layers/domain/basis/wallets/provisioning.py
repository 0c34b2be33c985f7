"""Per-user server wallet provisioning (seed 2.2): exactly one EVM and one Solana wallet per user.

Exactly-once without advisory locks:
* a lease (claim item, conditional write) lets one worker at a time provision a user; another
  worker's request is refused with the time the lease is left (``ProvisioningInProgressError``), so
  the consumer keeps the message until then: a worker that died holding the lease delays the
  wallets, it does not lose them;
* each Privy create carries a deterministic idempotency key, so a retry after a lost answer or a
  failed database write gets the same wallet back from Privy;
* the wallet ids are recorded in one transaction with uniqueness guards (``wallet#<id>``, N1) and
  a condition that the user has no wallet of that chain yet;
* a wallet created at Privy whose database write failed is recorded as an orphan and adopted by
  the next attempt.
The EVM wallet is provisioned first; if it fails, Solana is not attempted.

Fails closed: no wallet is ever created without its chain's policy and the platform's key quorum.
While an id is missing from the Privy ids parameter, provisioning refuses (``ConfigurationError``,
naming the ids) before creating anything, and the request is retried until the DLQ.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from basis.platform import leases
from basis.platform.errors import ConfigurationError, ConflictError, UserNotFoundError
from basis.platform.observability import logger
from basis.privy.ids import PrivyIds, parameter_name
from basis.wallets import store
from basis.wallets.store import CreatedWallet, ServerWallets, get_user_wallets

CHAINS = ("ethereum", "solana")
LEASE_SECONDS = 60


@dataclass(frozen=True)
class ProvisioningResult:
    wallets: ServerWallets
    created: list[str] = field(default_factory=list)


class ProvisioningError(Exception):
    def __init__(self, message: str, *, chain: str, retriable: bool) -> None:
        super().__init__(message)
        self.chain = chain
        self.retriable = retriable


class ProvisioningInProgressError(ConflictError, code="provisioning_in_progress"):
    """Another worker holds this user's provisioning lease; it is free again in ``retry_after`` s."""

    def __init__(self, user_id: str, retry_after: int) -> None:
        super().__init__(f"wallets of {user_id} are being provisioned: retry in {retry_after} s")
        self.user_id = user_id
        self.retry_after = retry_after


class WalletCreator(Protocol):
    def create_wallet(
        self, chain: str, *, user_id: str, signer_id: str | None, policy_id: str | None, idempotency_key: str
    ) -> CreatedWallet:
        """The user's wallet on ``chain``, owned by ``user_id``, with ``signer_id`` (the platform's
        key quorum) as additional signer under ``policy_id`` (README, "Custody")."""


def idempotency_key(user_id: str, chain: str) -> str:
    """The same for every attempt at this user's wallet on this chain (v2: user-owned wallets)."""
    return hashlib.sha256(f"basis:server-wallet:{user_id}:{chain}:v2".encode()).hexdigest()[:48]


class ProvisioningService:
    def __init__(self, creator: WalletCreator, ids: PrivyIds, lease_seconds: int = LEASE_SECONDS) -> None:
        self.creator = creator
        self.ids = ids
        self.lease_seconds = lease_seconds

    def ensure_wallets_for_user(self, user_id: str) -> ProvisioningResult:
        wallets = get_user_wallets(user_id)
        if wallets is None:
            raise UserNotFoundError(user_id)
        if wallets.complete:
            return ProvisioningResult(wallets)
        self._require_ids(user_id)
        lease = f"provision#{user_id}"
        try:
            owner = leases.acquire(lease, self.lease_seconds)
        except leases.LeaseHeldError as exc:
            raise ProvisioningInProgressError(user_id, leases.seconds_left(lease)) from exc
        try:
            return self._provision(user_id)
        finally:
            leases.release(lease, owner)

    def _provision(self, user_id: str) -> ProvisioningResult:
        created = []
        for chain in CHAINS:
            current = get_user_wallets(user_id)
            if current is None:
                raise UserNotFoundError(user_id)
            if current.has(chain):
                continue
            wallet = self._adopt_orphan(user_id, chain) or self._create(user_id, chain)
            self._record(user_id, wallet)
            created.append(chain)
        final = get_user_wallets(user_id) or ServerWallets()
        logger.info(
            "server wallets ready",
            extra={
                "user_id": user_id,
                "created_chains": created,
                "evm_address": final.evm_address,
                "solana_address": final.solana_address,
            },
        )
        return ProvisioningResult(final, created)

    def _require_ids(self, user_id: str) -> None:
        ids = {
            "evm_policy_id": self.ids.evm_policy_id,
            "solana_policy_id": self.ids.solana_policy_id,
            "key_quorum_id": self.ids.key_quorum_id,
        }
        missing = [name for name, value in ids.items() if not value]
        if missing:
            logger.error(
                "provisioning refused: Privy ids missing, no wallet created",
                extra={"user_id": user_id, "missing": missing, "parameter": parameter_name()},
            )
            raise ConfigurationError(
                f"no server wallet is created without {', '.join(missing)}: set them in the SSM "
                f"parameter {parameter_name()} (`python -m tools.privy_setup create`)",
                missing=missing,
            )

    def _policy_id(self, chain: str) -> str | None:
        return self.ids.evm_policy_id if chain == "ethereum" else self.ids.solana_policy_id

    def _create(self, user_id: str, chain: str) -> CreatedWallet:
        wallet = self.creator.create_wallet(
            chain,
            user_id=user_id,
            signer_id=self.ids.key_quorum_id,
            policy_id=self._policy_id(chain),
            idempotency_key=idempotency_key(user_id, chain),
        )
        logger.info(
            "wallet created at Privy",
            extra={"user_id": user_id, "chain": chain, "wallet_id": wallet.id, "address": wallet.address},
        )
        return wallet

    def _adopt_orphan(self, user_id: str, chain: str) -> CreatedWallet | None:
        orphan = store.orphan_of(user_id, chain)
        if orphan is not None:
            logger.warning(
                "adopting orphaned wallet", extra={"user_id": user_id, "chain": chain, "wallet_id": orphan.id}
            )
        return orphan

    def _record(self, user_id: str, wallet: CreatedWallet) -> None:
        chain = wallet.chain_type
        try:
            store.record_wallet(user_id, wallet)
        except store.WalletNotRecordedError as exc:
            if self._already_recorded(user_id, wallet):
                return
            self._save_orphan(user_id, wallet)
            raise ProvisioningError(
                f"could not record {chain} wallet {wallet.id}: {exc}", chain=chain, retriable=True
            ) from exc

    def _already_recorded(self, user_id: str, wallet: CreatedWallet) -> bool:
        wallets = get_user_wallets(user_id)
        recorded = wallets is not None and wallet.id in {wallets.evm_wallet_id, wallets.solana_wallet_id}
        if not recorded:
            guard_owner = store.wallet_owner(wallet.id)
            if guard_owner not in (None, user_id):
                logger.critical(
                    "wallet id already belongs to another user",
                    extra={"user_id": user_id, "wallet_id": wallet.id, "other_user": guard_owner},
                )
        return recorded

    def _save_orphan(self, user_id: str, wallet: CreatedWallet) -> None:
        try:
            store.save_orphan(user_id, wallet)
            logger.error("wallet recorded as orphan", extra={"user_id": user_id, "wallet_id": wallet.id})
        except store.WalletNotRecordedError:  # the idempotency key still returns this wallet next time
            logger.exception(
                "orphan could not be recorded", extra={"user_id": user_id, "wallet_id": wallet.id}
            )
