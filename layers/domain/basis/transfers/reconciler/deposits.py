"""Deposits stuck after the bridge: at ``bridge_confirmed`` for over ``STUCK_AFTER`` (the
``by_stage`` index: stage + updated_at, queried, never scanned) or marked for the reconciler, they
are re-polled on Hyperliquid with the saga's own check (the Arbitrum tx hash, USDC base units) and
marked ``hl_credited`` once the funds arrived."""

from __future__ import annotations

from datetime import datetime

from basis.platform.observability import logger
from basis.risk import manager as risk
from basis.transfers import deposit_saga, store
from basis.transfers.reconciler.runs import due
from basis.transfers.store import TransferRecord


def stuck(now: datetime) -> list[TransferRecord]:
    return [t for t in store.in_stage("bridge_confirmed") if due(t, now)]


def recredit(transfer: TransferRecord) -> str:
    if not deposit_saga.credited(transfer):
        return "waiting"
    risk.deposit_credited(transfer)  # the risk peak rises by the amount (N7), before the stage
    store.reconciled(transfer, "hl_credited")
    logger.info("reconciler: deposit credited", extra={"transfer_id": transfer.transfer_id})
    return "credited"
