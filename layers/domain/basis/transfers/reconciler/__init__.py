"""The reconciler (seed 5.3a, N3, G15; issue 11, items 2, 3 and 7), run every 5 minutes: it
resolves from the chain what the sagas could not, then reports what is left.

Its passes, in order (one item's error never stops the others; results counted per pass):

1. ``outcomes``: deposit sends without a definitive answer, judged from the chain (sent: recorded
   and committed; never sent or dropped: released and the saga re-driven to resend the same
   transaction);
2. ``deposits``: deposits stuck after the bridge, re-polled for their Hyperliquid credit;
3. ``withdrawals``: withdraw3 actions applied but not recorded, and payouts not seen;
4. ``deliveries``: withdrawals with a destination whose delivery was not finished, judged from the
   chain as the deposits' sends are (delivered: recorded and completed; never sent: released and
   the saga re-driven to resend the same delivery; a paid-out one never prepared: re-driven while
   its address is registered, else ``undelivered``);
5. ``reservations``: cap reservations past their lease or unresolved, settled from their transfer.

Then ``report.funding_health`` (``GET /api/v1/health/funding``) and the metrics its alarms watch:
``StuckDeposits``, ``UnknownSendOutcomes``, ``FailedDepositSagas``, ``DepositsInStage`` and
``WithdrawalsInStage`` per in-flight stage (dashboard), ``StuckWithdrawals`` and
``UnresolvedReservations`` (past ``ALARM_AFTER``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from basis.platform.observability import METRICS_NAMESPACE, logger
from basis.transfers.reconciler import deliveries, deposits, outcomes, reservations, withdrawals
from basis.transfers.reconciler.report import IN_FLIGHT, WITHDRAWALS_IN_FLIGHT, FundingHealth, funding_health
from basis.transfers.reconciler.runs import each
from basis.transfers.store import TransferRecord

__all__ = ["IN_FLIGHT", "WITHDRAWALS_IN_FLIGHT", "FundingHealth", "funding_health", "reconcile"]


def reconcile(now: datetime | None = None) -> dict[str, int]:
    """Resolve what the chain can tell, then count and report what is left."""
    now = now or datetime.now(UTC)

    def transfer(t: TransferRecord) -> str:
        return t.transfer_id

    counts: Counter[str] = Counter()
    counts += each(outcomes.pending(now), lambda t: outcomes.resolve(t, now), "outcomes", transfer)
    counts += each(deposits.stuck(now), deposits.recredit, "deposits", transfer)
    counts += each(withdrawals.unrecorded(now), lambda t: withdrawals.record(t, now), "withdrawals", transfer)
    counts += each(withdrawals.unpaid(now), withdrawals.repoll, "withdrawals", transfer)
    counts += each(deliveries.pending(now), lambda t: deliveries.resolve(t, now), "deliveries", transfer)
    counts += each(reservations.pending(now), lambda r: reservations.resolve(r, now), "reservations", repr)
    health = funding_health(now)
    report = {
        **counts,
        "stuck": len(health.stuck_deposits),
        "stuck_past_alarm": health.stuck_past_alarm,
        "unknown_outcomes": len(health.unknown_outcomes),
        "failed_executions": len(health.failed_executions),
        "stuck_withdrawals": len(health.stuck_withdrawals),
        "withdrawals_stuck_past_alarm": health.withdrawals_stuck_past_alarm,
        "unresolved_reservations": len(health.unresolved_reservations),
        "reservations_past_alarm": health.reservations_past_alarm,
    }
    _emit("StuckDeposits", health.stuck_past_alarm)
    _emit("UnknownSendOutcomes", len(health.unknown_outcomes))
    _emit("FailedDepositSagas", len(health.failed_executions))
    _emit("StuckWithdrawals", health.withdrawals_stuck_past_alarm)
    _emit("UnresolvedReservations", health.reservations_past_alarm)
    for stage, count in health.in_stage.items():
        _emit("DepositsInStage", count, stage=stage)
    for stage, count in health.withdrawals_in_stage.items():
        _emit("WithdrawalsInStage", count, stage=stage)
    attention = (
        health.stuck_past_alarm,
        health.unknown_outcomes,
        health.failed_executions,
        health.withdrawals_stuck_past_alarm,
        health.reservations_past_alarm,
    )
    if any(attention):
        logger.warning("reconciler: funding needs attention", extra={"report": asdict(health) | report})
    logger.info("reconciler run", extra=report)
    return report


def _emit(name: str, value: int, **dimensions: str) -> None:
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=METRICS_NAMESPACE) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(key, dimension)
