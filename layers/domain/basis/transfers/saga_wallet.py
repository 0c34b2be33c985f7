"""What every saga step starts from: the transfer it moves and the user's EVM server wallet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from basis.identity import users
from basis.platform.errors import ConflictError, NotFoundError
from basis.transfers import store
from basis.transfers.store import TransferRecord

if TYPE_CHECKING:
    from basis.signing.signer import PrivyWalletSigner
    from basis.venues.arbitrum.client import ArbitrumClient


class UnknownTransferError(NotFoundError):
    """The saga was started for a transfer that does not exist (never retried usefully)."""


def load(user_id: str, transfer_id: str) -> TransferRecord:
    transfer = store.get(user_id, transfer_id)
    if transfer is None:
        raise UnknownTransferError(f"no transfer {transfer_id} for user {user_id}")
    return transfer


def evm_wallet(user_id: str) -> tuple[str, str]:
    """The user's EVM server wallet: ``(Privy wallet id, address)``."""
    wallets = users.require(user_id).wallets
    if not wallets.evm_wallet_id or not wallets.evm_address:
        raise ConflictError("the EVM server wallet is not ready yet")
    return wallets.evm_wallet_id, wallets.evm_address


def evm_signer(user_id: str) -> PrivyWalletSigner:
    """The platform's signer of the user's EVM server wallet (under its per-user policy)."""
    from basis.signing.signer import PrivyWalletSigner

    wallet_id, address = evm_wallet(user_id)
    return PrivyWalletSigner(user_id, wallet_id, address, "ethereum")


def arbitrum(user_id: str) -> ArbitrumClient:
    from basis.platform.config import get_settings
    from basis.policies.settings import get_policy_settings
    from basis.venues.arbitrum.client import ArbitrumClient

    policy = get_policy_settings()
    return ArbitrumClient(
        str(get_settings().arbitrum_rpc_url),
        evm_signer(user_id),
        policy.arbitrum_usdc_address,
        policy.hyperliquid_bridge_address,
        policy_settings=policy,
    )
