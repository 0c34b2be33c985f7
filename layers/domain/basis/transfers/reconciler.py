"""The deposit reconciler (seed 5.3a, N3, G15), run on a schedule, and the funding health report.

* Deposits at ``bridge_confirmed`` for more than ``STUCK_AFTER`` (the ``by_stage`` index: stage +
  updated_at, queried, never scanned) or marked ``needs_reconciliation`` are re-polled on
  Hyperliquid (the saga's own check: the Arbitrum tx hash, USDC base units) and marked
  ``hl_credited`` once the funds arrived. One deposit's error never stops the others.
* What is left is surfaced on ``GET /api/v1/health/funding`` and in metrics the alarms watch:
  ``StuckDeposits`` (stuck past ``ALARM_AFTER``), ``UnknownSendOutcomes`` (a transaction prepared or
  sent with no receipt for ``STUCK_AFTER``, or a failure marked for reconciliation before the
  receipt), ``FailedDepositSagas`` (executions FAILED, TIMED_OUT or ABORTED in the last
  ``FAILED_LOOKBACK``) and ``DepositsInStage`` (per in-flight stage, for the dashboard).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from basis.platform.aws import client
from basis.platform.errors import ConfigurationError
from basis.platform.observability import METRICS_NAMESPACE, logger
from basis.risk import manager as risk
from basis.transfers import deposit_saga, store
from basis.transfers.settings import get_funding_settings
from basis.transfers.store import TransferRecord

STUCK_AFTER = timedelta(minutes=5)
ALARM_AFTER = timedelta(minutes=30)
FAILED_LOOKBACK = timedelta(hours=24)
FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
IN_FLIGHT = ("initiated", "validated", "gas_funded", "bridge_sent", "bridge_confirmed")
BEFORE_RECEIPT = ("gas_funded", "bridge_sent")  # a transaction may be out, its outcome unknown


@dataclass(frozen=True)
class PendingDeposit:
    user_id: str
    transfer_id: str
    stage: str
    amount_usdc: str
    tx_hash: str | None
    needs_reconciliation: bool
    updated_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, transfer: TransferRecord) -> PendingDeposit:
        return cls(
            transfer.user_id,
            transfer.transfer_id,
            transfer.stage,
            str(transfer.amount_usdc),
            transfer.tx_hash,
            transfer.needs_reconciliation,
            transfer.updated_at,
            transfer.error,
        )


@dataclass(frozen=True)
class FailedExecution:
    name: str  # the transfer id
    status: str
    stopped_at: datetime | None


@dataclass(frozen=True)
class FundingHealth:
    stuck_deposits: list[PendingDeposit]  # bridge_confirmed past STUCK_AFTER, or marked
    stuck_past_alarm: int  # of those, stuck past ALARM_AFTER
    unknown_outcomes: list[PendingDeposit]
    failed_executions: list[FailedExecution]
    in_stage: dict[str, int]


def _stale(transfer: TransferRecord, now: datetime, age: timedelta) -> bool:
    return transfer.updated_at is not None and transfer.updated_at < now - age


def stuck_deposits(now: datetime) -> list[TransferRecord]:
    """Deposits at ``bridge_confirmed`` for more than ``STUCK_AFTER``, or marked for the reconciler."""
    return [
        t for t in store.in_stage("bridge_confirmed") if t.needs_reconciliation or _stale(t, now, STUCK_AFTER)
    ]


def unknown_outcomes(now: datetime) -> list[TransferRecord]:
    """Deposits whose transaction was prepared or sent with no receipt for ``STUCK_AFTER``, or that
    failed before the receipt after a transaction may have gone out (marked for the reconciler)."""
    return [
        t
        for stage in BEFORE_RECEIPT
        for t in store.in_stage(stage)
        if (t.prepared or t.tx_hash) and (t.needs_reconciliation or _stale(t, now, STUCK_AFTER))
    ]


def failed_executions(now: datetime) -> list[FailedExecution]:
    """The deposit saga's executions that failed, timed out or were aborted in ``FAILED_LOOKBACK``."""
    machine = get_funding_settings().deposit_saga_arn
    if machine is None:
        raise ConfigurationError("BASIS_DEPOSIT_SAGA_ARN is not set: the saga's executions cannot be listed")
    sfn = client("stepfunctions")
    found: list[FailedExecution] = []
    for status in FAILED_STATUSES:
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter=status)
        for page in pages:
            recent = [
                e for e in page["executions"] if e.get("stopDate") and e["stopDate"] >= now - FAILED_LOOKBACK
            ]
            found += [FailedExecution(e["name"], status, e.get("stopDate")) for e in recent]
            if len(recent) < len(page["executions"]):  # newest first: the rest are older still
                break
    return found


def funding_health(now: datetime | None = None) -> FundingHealth:
    now = now or datetime.now(UTC)
    stuck = stuck_deposits(now)
    return FundingHealth(
        stuck_deposits=[PendingDeposit.of(t) for t in stuck],
        stuck_past_alarm=sum(1 for t in stuck if _stale(t, now, ALARM_AFTER)),
        unknown_outcomes=[PendingDeposit.of(t) for t in unknown_outcomes(now)],
        failed_executions=failed_executions(now),
        in_stage={stage: store.count_in_stage(stage) for stage in IN_FLIGHT},
    )


def reconcile(now: datetime | None = None) -> dict[str, int]:
    """Mark the stuck deposits Hyperliquid credited meanwhile, then count and report what is left."""
    now = now or datetime.now(UTC)
    credited = errors = 0
    for transfer in stuck_deposits(now):
        try:
            if deposit_saga.credited(transfer):
                risk.deposit_credited(transfer)  # the risk peak rises by the amount (N7), before the stage
                store.reconciled(transfer, "hl_credited")
                credited += 1
                logger.info("reconciler: deposit credited", extra={"transfer_id": transfer.transfer_id})
        except Exception:  # one deposit's trouble never stops the others
            errors += 1
            logger.exception("reconciler: deposit not re-polled", extra={"transfer_id": transfer.transfer_id})
    health = funding_health(now)
    counts = {
        "credited": credited,
        "errors": errors,
        "stuck": len(health.stuck_deposits),
        "stuck_past_alarm": health.stuck_past_alarm,
        "unknown_outcomes": len(health.unknown_outcomes),
        "failed_executions": len(health.failed_executions),
    }
    _emit("StuckDeposits", health.stuck_past_alarm)
    _emit("UnknownSendOutcomes", len(health.unknown_outcomes))
    _emit("FailedDepositSagas", len(health.failed_executions))
    for stage, count in health.in_stage.items():
        _emit("DepositsInStage", count, stage=stage)
    if health.stuck_past_alarm or health.unknown_outcomes or health.failed_executions:
        logger.warning("reconciler: deposits need attention", extra={"report": asdict(health) | counts})
    logger.info("reconciler run", extra=counts)
    return counts


def _emit(name: str, value: int, **dimensions: str) -> None:
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=METRICS_NAMESPACE) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(key, dimension)
