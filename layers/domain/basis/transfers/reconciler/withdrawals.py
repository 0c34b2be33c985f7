"""Withdrawals the saga left to the reconciler (issue 11, item 7).

* Not recorded: still ``initiated`` with a withdraw3 action stored (its nonce), marked or unmoved
  for ``STUCK_AFTER``, its saga not running (it failed or timed out around the action). The action
  is looked up on Hyperliquid's ledger by its nonce: applied → its hash recorded at
  ``hl_withdraw_sent`` (still marked: the payout is re-polled in the same run); not applied once
  ``STUCK_AFTER`` has passed → ``failed``: nothing left Hyperliquid, and no saga will send it now.
* Not paid out: at ``hl_withdraw_sent``, marked or unmoved for ``STUCK_AFTER``: the payout is
  looked for on Arbitrum with the saga's own check (Bridge2's transfer of ``amount - 1`` USDC to
  the server wallet) and the withdrawal marked ``completed`` once it arrived.

What stays past ``ALARM_AFTER`` is counted in ``StuckWithdrawals`` (alarmed).
"""

from __future__ import annotations

from datetime import datetime

from basis.platform.observability import logger
from basis.risk import manager as risk
from basis.transfers import executions, store, withdrawal_saga
from basis.transfers.reconciler.runs import due, stale
from basis.transfers.store import TransferRecord


def unrecorded(now: datetime) -> list[TransferRecord]:
    return [t for t in store.in_stage("initiated", kind="withdrawal") if t.prepared and due(t, now)]


def unpaid(now: datetime) -> list[TransferRecord]:
    return [t for t in store.in_stage("hl_withdraw_sent", kind="withdrawal") if due(t, now)]


def record(transfer: TransferRecord, now: datetime) -> str:
    """An unrecorded withdrawal: applied on Hyperliquid (recorded), or failed without leaving it."""
    if executions.running(transfer):
        return "waiting"
    applied = withdrawal_saga.on_ledger(transfer)
    if applied is not None:
        store.found_on_chain(transfer, applied.hash, "hl_withdraw_sent")
        logger.info("reconciler: withdrawal found applied", extra={"transfer_id": transfer.transfer_id})
        return "recorded"
    if not stale(transfer, now):
        return "waiting"
    store.reconciled(
        transfer, "failed", "nothing left Hyperliquid: the withdraw3 action is not on its ledger"
    )
    logger.warning("reconciler: withdrawal failed", extra={"transfer_id": transfer.transfer_id})
    return "failed"


def repoll(transfer: TransferRecord) -> str:
    """A withdrawal applied on Hyperliquid: ``completed`` once its payout arrived on Arbitrum."""
    payout = withdrawal_saga.paid_out(transfer)
    if payout is None:
        return "waiting"
    risk.withdrawal_completed(transfer)  # the risk peak scales by what is left (N7), before the stage
    stage = withdrawal_saga.payout_stage(transfer)
    store.record_paid_out(transfer, payout, stage)
    logger.info(
        "reconciler: withdrawal paid out",
        extra={"transfer_id": transfer.transfer_id, "tx_hash": payout, "stage": stage},
    )
    return stage
