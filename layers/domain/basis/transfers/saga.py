"""What the deposit and withdrawal sagas' steps share: their input, the transfer a step moves, the
user's EVM server wallet, the failure step (``failed`` only while no funds can have moved, else
marked for the reconciler) and how a step is run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from basis.identity import users
from basis.platform.errors import ConflictError, NotFoundError, TransientError
from basis.platform.observability import logger
from basis.signing.errors import SigningError
from basis.transfers import store
from basis.transfers.store import TransferRecord

if TYPE_CHECKING:
    from basis.signing.signer import PrivyWalletSigner
    from basis.venues.arbitrum.client import ArbitrumClient


class SagaStepInput(BaseModel):
    """A Task state's payload; each saga narrows ``step`` to its own steps."""

    step: str
    user_id: str = Field(min_length=1)
    transfer_id: str = Field(min_length=1)
    error: dict[str, str] | None = None


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


def fail(
    step: SagaStepInput, final: frozenset[str], funds_moved: Callable[[TransferRecord], bool]
) -> dict[str, Any]:
    """The Catch of every step: ``failed`` while nothing moved; once ``funds_moved`` (or may have),
    the stage stays where it is and the transfer is marked for the reconciler (never compensated)."""
    detail = ((step.error or {}).get("Cause") or (step.error or {}).get("Error") or "saga failed")[:500]
    logger.error("saga failed", extra={"transfer_id": step.transfer_id, "error": detail})
    try:
        transfer = load(step.user_id, step.transfer_id)
    except UnknownTransferError:
        return {"stage": "unknown"}  # nothing to mark: the saga was started for a missing transfer
    if transfer.stage in final:
        return {"stage": transfer.stage}
    if funds_moved(transfer):
        store.mark_for_reconciliation(transfer, detail)
        logger.error("transfer needs reconciliation", extra={"transfer_id": step.transfer_id})
        return {"stage": transfer.stage, "reconcile": True}
    store.advance(transfer, "failed", detail)
    return {"stage": "failed"}


def run(steps: Mapping[str, Callable[[Any], dict[str, Any]]], step: SagaStepInput) -> dict[str, Any]:
    """Run ``step``; a signing error worth retrying is raised as ``TransientError`` (the ASL retries it)."""
    try:
        return steps[step.step](step)
    except SigningError as exc:
        if exc.retriable:
            raise TransientError(exc.message) from exc
        raise
