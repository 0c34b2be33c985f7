"""Deposit sends without a definitive answer, resolved from the chain before anything is sent again
(issue 11, item 2).

A deposit's saga stores its Bridge2 transfer (with its nonce, and the block it was prepared at)
before sending it. When the send got no definitive answer (``OutcomeUnknownError``, or the resend
of the stored transaction failing once its nonce was used), the saga marks the deposit for the
reconciler and its execution fails. A deposit with a transaction and no receipt, marked or unmoved
for ``STUCK_AFTER``, whose saga is not running, is judged from the chain (``decide``):

* the transaction is there (the wallet's USDC transfer to Bridge2 of the deposit's amount with the
  stored nonce, claimed by no other deposit) → **sent**: its spend committed (once), its hash
  recorded at ``bridge_confirmed`` (a Transfer log means it succeeded) and still marked, so the
  deposits pass re-polls the Hyperliquid credit (``hl_credited``);
* the nonce was used by another transaction (or by this one, reverted: no Transfer log) → it can
  never land and no USDC moved: ``failed`` ("not sent: ..."), the reservation released;
* the nonce is unused, nothing of the wallet is pending and ``STUCK_AFTER`` has passed (nothing can
  still be in flight) → **not sent**: the reservation released and the saga re-driven (a new
  execution ``<id>-redrive-<n>``) to resend the very same transaction, same nonce and idempotency
  key; after ``MAX_REDRIVES`` re-drives it is ``failed`` ("not sent: ...");
* otherwise (pending, too early, no block to search from) a later run looks again.

A deposit at ``bridge_sent`` (hash recorded) is judged by its receipt: succeeded → ``bridge_confirmed``
as above; reverted → ``failed``, released (no USDC moved); none yet → a later run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from basis.chains.amounts import usdc_base_units
from basis.platform.observability import logger
from basis.signing import caps
from basis.transfers import deposit_saga, executions, store
from basis.transfers.reconciler.runs import due, stale
from basis.transfers.saga import arbitrum
from basis.transfers.store import TransferRecord

if TYPE_CHECKING:
    from basis.venues.arbitrum.client import ArbitrumClient

MAX_REDRIVES = 3
BEFORE_RECEIPT = ("gas_funded", "bridge_sent")  # a transaction may be out, its outcome unknown


@dataclass(frozen=True)
class ChainView:
    """What the chain says about a deposit's stored transaction."""

    nonce: int  # the stored transaction's
    mined: int  # the wallet's next nonce counting mined transactions (every lower one is used)
    pending: int  # the same, pending transactions included
    found: str | None  # the hash of the stored transaction on chain, when mined


@dataclass(frozen=True)
class Verdict:
    kind: Literal["sent", "nonce_used", "not_sent", "wait"]
    tx_hash: str | None = None


def decide(view: ChainView | None, *, quiet: bool) -> Verdict:
    """Whether the stored transaction was sent. ``view`` None: the chain cannot be searched for it;
    ``quiet``: the deposit has not moved for ``STUCK_AFTER`` (no send of it can still be in flight)."""
    if view is None:
        return Verdict("wait")
    if view.found is not None:
        return Verdict("sent", view.found)
    if view.mined > view.nonce:
        return Verdict("nonce_used")
    if view.pending > view.nonce or not quiet:
        return Verdict("wait")
    return Verdict("not_sent")


def pending(now: datetime) -> list[TransferRecord]:
    """Deposits with a transaction prepared or sent and no receipt, due for the reconciler."""
    return [
        t
        for stage in BEFORE_RECEIPT
        for t in store.in_stage(stage)
        if (t.prepared or t.tx_hash) and due(t, now)
    ]


def resolve(transfer: TransferRecord, now: datetime) -> str:
    if executions.running(transfer):  # its saga still acts on it
        return "waiting"
    client = arbitrum(transfer.user_id)
    if transfer.tx_hash:
        return _by_receipt(transfer, client)
    return _act(transfer, decide(observe(transfer, client), quiet=stale(transfer, now)))


def observe(transfer: TransferRecord, client: ArbitrumClient) -> ChainView | None:
    tx, from_block = deposit_saga.prepared_transaction(transfer)
    if from_block is None:
        return None
    nonce = int(tx["nonce"])
    mined, pending_ = client.mined_nonce(), client.pending_nonce()  # before the search: it sees them
    found = _find(transfer, client, nonce, from_block) if mined > nonce else None
    return ChainView(nonce, mined, pending_, found)


def _find(transfer: TransferRecord, client: ArbitrumClient, nonce: int, from_block: int) -> str | None:
    """The wallet's USDC transfer to Bridge2 of the deposit's amount sent with ``nonce``."""
    units = usdc_base_units(transfer.amount_usdc)
    others = store.list_for_user(transfer.user_id)
    claimed = {t.tx_hash for t in others if t.tx_hash and t.transfer_id != transfer.transfer_id}
    for tx_hash, sent in client.usdc_sent_to(client.bridge_address, from_block=from_block):
        if sent == units and tx_hash not in claimed and client.nonce_of(tx_hash) == nonce:
            return tx_hash
    return None


def _act(transfer: TransferRecord, verdict: Verdict) -> str:
    if verdict.kind == "wait":
        return "waiting"
    if verdict.kind == "sent":
        assert verdict.tx_hash is not None
        return _sent(transfer, verdict.tx_hash)
    _release(transfer)
    nonce = deposit_saga.prepared_transaction(transfer)[0]["nonce"]
    if verdict.kind == "not_sent" and transfer.redrives < MAX_REDRIVES:
        executions.start(store.redriven(transfer))
        logger.warning(
            "reconciler: deposit never sent, re-driven", extra={"transfer_id": transfer.transfer_id}
        )
        return "redriven"
    reason = (
        f"not sent: nonce {nonce} was used by another transaction (or this one reverted): "
        "no USDC left the wallet"
        if verdict.kind == "nonce_used"
        else f"not sent: the transaction with nonce {nonce} missed the chain in {MAX_REDRIVES} re-drives"
    )
    store.reconciled(transfer, "failed", reason)
    logger.warning(
        "reconciler: deposit failed", extra={"transfer_id": transfer.transfer_id, "reason": reason}
    )
    return "failed"


def _by_receipt(transfer: TransferRecord, client: ArbitrumClient) -> str:
    assert transfer.tx_hash is not None
    receipt = client.receipt(transfer.tx_hash)
    if receipt is None:
        return "waiting"
    if receipt.succeeded:
        return _sent(transfer, transfer.tx_hash)
    _release(transfer)
    store.reconciled(transfer, "failed", f"the bridge transfer {transfer.tx_hash} reverted: no USDC moved")
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
