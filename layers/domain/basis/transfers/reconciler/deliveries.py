"""Withdrawals with a destination whose delivery the saga did not finish (issue 11, item 2): paid
out to the server wallet (``paid_out``, ``gas_funded``) or delivering with no receipt, marked or
unmoved for ``STUCK_AFTER``, their saga not running (it failed, timed out, or the payout was seen
by the reconciler after the saga gave up).

* No delivery stored: re-driven (``<id>-redrive-<n>``; the saga resumes from the stage reached:
  gas, then the delivery prepared and sent once) while the destination is still a registered
  withdrawal address, else ``undelivered`` (nothing sent, the USDC in the server wallet).
* A delivery stored (with its nonce and block): judged from the chain exactly as a deposit's send
  (``sends.judge``: the wallet's USDC transfer of the payout to the destination with the stored
  nonce). **sent** → its spend committed, its hash recorded (``delivering``), then ``completed``
  (found means it succeeded); **nonce_used** → ``undelivered`` ("not delivered: ..."), the USDC in
  the server wallet, its reservation released; **not_sent** (never broadcast, or dropped) → the
  reservation released and the saga re-driven to resend the SAME stored delivery (a dropped hash
  forgotten, back at ``gas_funded``), while the destination is still registered (else
  ``undelivered``) and for at most ``MAX_REDRIVES`` re-drives; **wait** → a later run.
"""

from __future__ import annotations

from datetime import datetime

from basis.platform.observability import logger
from basis.signing import caps
from basis.transfers import executions, store, withdrawal_saga
from basis.transfers.reconciler import sends
from basis.transfers.reconciler.runs import due, stale
from basis.transfers.saga import arbitrum
from basis.transfers.store import TransferRecord
from basis.wallets import withdrawal_addresses

UNDELIVERED = ("paid_out", "gas_funded", "delivering")
IN_SERVER_WALLET = "the USDC is in the server wallet"


def pending(now: datetime) -> list[TransferRecord]:
    return [
        t
        for stage in UNDELIVERED
        for t in store.in_stage(stage, kind="withdrawal")
        if t.destination and due(t, now)
    ]


def resolve(transfer: TransferRecord, now: datetime) -> str:
    if executions.running(transfer):  # its saga still acts on it
        return "waiting"
    stored = withdrawal_saga.stored_delivery(transfer)
    if stored is None:
        return _redrive(transfer, "never prepared")
    (tx, from_block), client = stored, arbitrum(transfer.user_id)
    claimed = {
        t.delivery_tx_hash
        for t in store.list_for_user(transfer.user_id)
        if t.delivery_tx_hash and t.transfer_id != transfer.transfer_id
    }
    send = sends.StoredSend(
        int(tx["nonce"]),
        from_block,
        str(transfer.destination),
        withdrawal_saga.payout_units(transfer),
        transfer.delivery_tx_hash,
        frozenset(claimed),
    )
    verdict = sends.judge(send, client, quiet=stale(transfer, now))
    if verdict.kind == "wait":
        return "waiting"
    if verdict.kind == "sent":
        assert verdict.tx_hash is not None
        return _delivered(transfer, verdict.tx_hash)
    caps.release(transfer.user_id, "USDC", _reservation(transfer))
    if verdict.kind == "nonce_used":
        used = f"nonce {send.nonce} was used by another transaction (or this one reverted)"
        return _undelivered(transfer, f"not delivered: {used}: {IN_SERVER_WALLET}")
    return _redrive(transfer, f"the delivery with nonce {send.nonce} never reached the chain")


def _redrive(transfer: TransferRecord, why: str) -> str:
    destination = str(transfer.destination)
    if not withdrawal_addresses.is_active(transfer.user_id, destination):
        return _undelivered(transfer, withdrawal_saga.removed(destination))
    if transfer.redrives >= sends.MAX_REDRIVES:
        return _undelivered(
            transfer, f"not delivered: {why} in {sends.MAX_REDRIVES} re-drives: {IN_SERVER_WALLET}"
        )
    resend_at = "gas_funded" if transfer.delivery_tx_hash else None  # a dropped delivery: sent again
    executions.start(store.redriven(transfer, resend_at=resend_at))
    logger.warning("reconciler: delivery re-driven", extra={"transfer_id": transfer.transfer_id, "why": why})
    return "redriven"


def _delivered(transfer: TransferRecord, tx_hash: str) -> str:
    """On chain (and succeeded): the spend committed (once) before the hash and ``completed``."""
    units = withdrawal_saga.payout_units(transfer)
    caps.commit(transfer.user_id, "USDC", _reservation(transfer), units)
    if transfer.delivery_tx_hash != tx_hash:
        transfer = store.record_delivery(transfer, tx_hash)
    store.reconciled(transfer, "completed")
    logger.info(
        "reconciler: delivery found on chain", extra={"transfer_id": transfer.transfer_id, "tx_hash": tx_hash}
    )
    return "delivered"


def _undelivered(transfer: TransferRecord, reason: str) -> str:
    """Nothing was (or will be) delivered: the USDC rests in the server wallet, ``reason`` says so."""
    store.reconciled(transfer, "undelivered", reason)
    logger.warning(
        "reconciler: withdrawal undelivered", extra={"transfer_id": transfer.transfer_id, "reason": reason}
    )
    return "undelivered"


def _reservation(transfer: TransferRecord) -> str:
    return caps.key_reservation(withdrawal_saga.delivery_key(transfer))
