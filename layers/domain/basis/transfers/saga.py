"""What the deposit and withdrawal sagas' steps share: their input, the transfer a step moves, the
user's EVM server wallet and its platform signer (preflighted on the local copy of its per-user
policy), the gas top-up, the one USDC send that never sends twice, the receipt wait, the failure
step (``failed`` only while no funds can have moved, else marked for the reconciler) and how a step
is run."""

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
    from basis.venues.arbitrum.client import ArbitrumClient, Receipt


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
    """The platform's signer of the user's EVM server wallet (under its per-user policy, whose
    local copy, with the user's active withdrawal addresses, the preflight decides on)."""
    from basis.policies.settings import get_policy_settings
    from basis.signing.signer import PrivyWalletSigner
    from basis.wallets.withdrawal_addresses import platform_evm_policy

    wallet_id, address = evm_wallet(user_id)
    policy = platform_evm_policy(user_id, address, get_policy_settings())
    return PrivyWalletSigner(user_id, wallet_id, address, "ethereum", policy=policy)


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


def ensure_gas(step: SagaStepInput, stages: tuple[str, ...]) -> dict[str, Any]:
    """The gas step of a saga whose stages, in order, are ``stages`` (``gas_funded`` among them):
    tops the wallet's ETH up from the gas funder when under its threshold (G14), then
    ``gas_funded``. An empty wallet whose top-up another operation is sending is retried
    (``TransientError``) until that ETH landed; a re-run past the stage answers it again."""
    from basis.venues.arbitrum.gas import GasFunder

    transfer = load(step.user_id, step.transfer_id)
    funded = stages.index("gas_funded")
    if transfer.stage in stages and stages.index(transfer.stage) >= funded:
        return {"stage": transfer.stage}
    if transfer.stage != stages[funded - 1]:
        raise ConflictError(
            f"transfer {transfer.transfer_id} is {transfer.stage}, expected {stages[funded - 1]}"
        )
    _, address = evm_wallet(step.user_id)
    top_up = GasFunder.from_config().fund_if_needed(step.user_id, address)
    logger.info("saga gas", extra={"transfer_id": step.transfer_id, "gas": top_up.status})
    if top_up.status == "already_funded" and top_up.balance_wei == 0:
        raise TransientError("a gas top-up of this wallet is in flight: retry once it landed")
    return {"stage": store.advance(transfer, "gas_funded").stage}


FROM_BLOCK = "from_block"  # stored with a prepared transaction (the reconciler searches from it)


def stamped(client: ArbitrumClient, prepared: dict[str, Any]) -> dict[str, Any]:
    """``prepared`` as it is stored: with the block it was prepared at (it can only land after)."""
    return {**prepared, FROM_BLOCK: int(client.w3.eth.block_number)}


def unstamped(stored: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """A stored transaction exactly as it is sent, and the block it was prepared at (None for one
    stored without it)."""
    tx = dict(stored)
    from_block = tx.pop(FROM_BLOCK, None)
    return tx, None if from_block is None else int(from_block)


class OutcomeToReconcileError(ConflictError):
    """The stored transaction's nonce was used on chain and its resend failed: whether it was this
    transfer is the reconciler's question; nothing else is ever sent for it."""


def send_usdc_once(
    client: ArbitrumClient,
    stored: dict[str, Any] | None,
    *,
    units: Callable[[], int],
    to: str,
    record: Callable[[dict[str, Any]], None],
    action: str,
    idempotency_key: str,
) -> str:
    """Send ``units()`` USDC to ``to`` at most once whatever re-runs the step: the transfer is
    prepared ONCE and handed to ``record`` (to store it) before it is sent, both in the wallet's
    send turn (concurrent sends of one wallet never share a nonce), then sent with
    ``idempotency_key`` as Privy's. A re-run passes the ``stored`` transaction: that very one is
    resent (same nonce, same key: it lands at most once), never another. When the resend fails and
    the stored nonce was used on chain, ``OutcomeToReconcileError``."""
    kept: list[dict[str, Any]] = [stored] if stored is not None else []

    def keep(prepared: dict[str, Any]) -> None:
        record(prepared)
        kept.append(prepared)

    try:
        if stored is not None:
            return client.send_prepared(stored, action=action, idempotency_key=idempotency_key)
        return client.prepare_and_send(
            "USDC", units(), to, record=keep, action=action, idempotency_key=idempotency_key
        )
    except SigningError as exc:
        if kept and _nonce_used(client, kept[0]):  # it may be ours: never send anything else
            raise OutcomeToReconcileError(
                f"nonce {kept[0]['nonce']} was used but the resend failed ({exc.message}): reconcile"
            ) from exc
        raise


def _nonce_used(client: ArbitrumClient, prepared: dict[str, Any]) -> bool:
    return client.mined_nonce() > int(prepared["nonce"])


def receipt(user_id: str, tx_hash: str) -> Receipt:
    """The receipt of ``tx_hash``; ``TransientError`` (the state machine retries the step) while
    there is none within ``deposit_receipt_timeout_seconds``."""
    from web3.exceptions import TimeExhausted

    from basis.transfers.settings import get_funding_settings

    timeout = get_funding_settings().deposit_receipt_timeout_seconds
    try:
        return arbitrum(user_id).wait_receipt(tx_hash, timeout=timeout)
    except TimeExhausted as exc:
        raise TransientError(f"no receipt for {tx_hash} yet") from exc


def fail(
    step: SagaStepInput,
    final: frozenset[str],
    funds_moved: Callable[[TransferRecord], bool],
    resting: Callable[[TransferRecord], str | None] = lambda transfer: None,
) -> dict[str, Any]:
    """The Catch of every step: ``failed`` while nothing moved; when the funds rest where the saga
    knows (``resting`` names the final stage that says where), that stage with the error; once
    ``funds_moved`` (or may have), the stage stays where it is and the transfer is marked for the
    reconciler (never compensated)."""
    detail = ((step.error or {}).get("Cause") or (step.error or {}).get("Error") or "saga failed")[:500]
    logger.error("saga failed", extra={"transfer_id": step.transfer_id, "error": detail})
    try:
        transfer = load(step.user_id, step.transfer_id)
    except UnknownTransferError:
        return {"stage": "unknown"}  # nothing to mark: the saga was started for a missing transfer
    if transfer.stage in final:
        return {"stage": transfer.stage}
    rest = resting(transfer)
    if rest is not None:
        return {"stage": store.advance(transfer, rest, detail).stage}
    if funds_moved(transfer):
        store.mark_for_reconciliation(transfer, detail)
        logger.error("transfer needs reconciliation", extra={"transfer_id": step.transfer_id})
        return {"stage": transfer.stage, "reconcile": True}
    store.advance(transfer, "failed", detail)
    return {"stage": "failed"}


def run(steps: Mapping[str, Callable[[Any], dict[str, Any]]], step: SagaStepInput) -> dict[str, Any]:
    """Run ``step``; a signing error worth retrying, or a venue down for now (``venue_unavailable``:
    no connection, no answer in time, 5xx, 429), is raised as ``TransientError`` (the ASL retries
    it; every step is safe to run again); anything else goes to the step's Catch."""
    from basis.venues.transient import venue_unavailable

    try:
        return steps[step.step](step)
    except TransientError:
        raise
    except Exception as exc:
        if venue_unavailable(exc):
            raise TransientError(f"{type(exc).__name__}: {exc}"[:500]) from exc
        raise
