"""Deposit sends without a definitive answer, resolved from the chain before anything is sent again
(issue 11, item 2).

A deposit's saga stores its Bridge2 transfer (with its nonce, and the block it was prepared at)
before sending it. When the send got no definitive answer (``OutcomeUnknownError``, or the resend
of the stored transaction failing once its nonce was used), the saga marks the deposit for the
reconciler and its execution fails. A deposit with a transaction and no receipt (at ``gas_funded``
with no hash, or at ``bridge_sent`` with one), marked or unmoved for ``STUCK_AFTER``, whose saga
is not running, is judged from the chain (``sends.judge``: the wallet's USDC transfer to Bridge2 of
the deposit's amount with the stored nonce, claimed by no other deposit):

* **sent** → its spend committed (once), its hash recorded at ``bridge_confirmed`` and still
  marked, so the deposits pass re-polls the Hyperliquid credit (``hl_credited``);
* **nonce_used** (by another transaction, or by this one, reverted) → it can never land and no
  USDC moved: ``failed`` ("not sent: ..."), the reservation released;
* **not_sent** (never broadcast, or a recorded transaction the chain dropped) → the reservation
  released and the saga re-driven (a new execution ``<id>-redrive-<n>``; a dropped hash forgotten
  and the deposit back at ``gas_funded``) to resend the very same transaction, same nonce and
  idempotency key; after ``MAX_REDRIVES`` re-drives it is ``failed`` ("not sent: ...");
* **wait** → a later run looks again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from basis.chains.amounts import usdc_base_units
from basis.platform.observability import logger
from basis.signing import caps
from basis.transfers import deposit_saga, executions, store
from basis.transfers.reconciler import sends
from basis.transfers.reconciler.runs import due, stale
from basis.transfers.saga import arbitrum
from basis.transfers.store import TransferRecord

if TYPE_CHECKING:
    from basis.venues.arbitrum.client import ArbitrumClient

BEFORE_RECEIPT = ("gas_funded", "bridge_sent")  # a transaction may be out, its outcome unknown


def pending(now: datetime) -> list[TransferRecord]:
    """Deposits with a transaction prepared and no receipt, due for the reconciler."""
    return [t for stage in BEFORE_RECEIPT for t in store.in_stage(stage) if t.prepared and due(t, now)]


def resolve(transfer: TransferRecord, now: datetime) -> str:
    if executions.running(transfer):  # its saga still acts on it
        return "waiting"
    client = arbitrum(transfer.user_id)
    return _act(transfer, sends.judge(stored_send(transfer, client), client, quiet=stale(transfer, now)))


def stored_send(transfer: TransferRecord, client: ArbitrumClient) -> sends.StoredSend:
    tx, from_block = deposit_saga.prepared_transaction(transfer)
    others = store.list_for_user(transfer.user_id)
    claimed = {t.tx_hash for t in others if t.tx_hash and t.transfer_id != transfer.transfer_id}
    units = usdc_base_units(transfer.amount_usdc)
    return sends.StoredSend(
        int(tx["nonce"]), from_block, client.bridge_address, units, transfer.tx_hash, frozenset(claimed)
    )


def _act(transfer: TransferRecord, verdict: sends.Verdict) -> str:
    if verdict.kind == "wait":
        return "waiting"
    if verdict.kind == "sent":
        assert verdict.tx_hash is not None
        return _sent(transfer, verdict.tx_hash)
    _release(transfer)
    nonce = deposit_saga.prepared_transaction(transfer)[0]["nonce"]
    if verdict.kind == "not_sent" and transfer.redrives < sends.MAX_REDRIVES:
        resend_at = "gas_funded" if transfer.tx_hash else None  # a dropped transaction: sent again
        executions.start(store.redriven(transfer, resend_at=resend_at))
        logger.warning(
            "reconciler: deposit never sent, re-driven", extra={"transfer_id": transfer.transfer_id}
        )
        return "redriven"
    reason = (
        f"not sent: nonce {nonce} was used by another transaction (or this one reverted): "
        "no USDC left the wallet"
        if verdict.kind == "nonce_used"
        else f"not sent: the transaction with nonce {nonce} missed the chain in {sends.MAX_REDRIVES} "
        "re-drives"
    )
    store.reconciled(transfer, "failed", reason)
    logger.warning(
        "reconciler: deposit failed", extra={"transfer_id": transfer.transfer_id, "reason": reason}
    )
    return "failed"


def _sent(transfer: TransferRecord, tx_hash: str) -> str:
    """On chain: the spend committed (once, whoever else commits it) before the hash is recorded."""
    reservation = caps.key_reservation(transfer.transfer_id)
    caps.commit(transfer.user_id, "USDC", reservation, usdc_base_units(transfer.amount_usdc))
    store.found_on_chain(transfer, tx_hash, "bridge_confirmed")
    logger.info(
        "reconciler: deposit found on chain", extra={"transfer_id": transfer.transfer_id, "tx_hash": tx_hash}
    )
    return "sent"


def _release(transfer: TransferRecord) -> None:
    caps.release(transfer.user_id, "USDC", caps.key_reservation(transfer.transfer_id))
