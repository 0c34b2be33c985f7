"""What the reconciler leaves for a person: ``GET /api/v1/health/funding`` (admin) and the metrics
its alarms watch, built after each run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from basis.signing import caps
from basis.transfers import executions, store
from basis.transfers.executions import FailedExecution
from basis.transfers.reconciler import deliveries, deposits, outcomes, withdrawals
from basis.transfers.reconciler.runs import ALARM_AFTER, stale
from basis.transfers.store import TransferRecord

FAILED_LOOKBACK = timedelta(hours=24)
IN_FLIGHT = ("initiated", "validated", "gas_funded", "bridge_sent", "bridge_confirmed")
WITHDRAWALS_IN_FLIGHT = ("initiated", "hl_withdraw_sent", *deliveries.UNDELIVERED)


@dataclass(frozen=True)
class PendingTransfer:
    user_id: str
    transfer_id: str
    kind: str
    stage: str
    amount_usdc: str
    tx_hash: str | None
    needs_reconciliation: bool
    redrives: int
    updated_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, transfer: TransferRecord) -> PendingTransfer:
        return cls(
            transfer.user_id,
            transfer.transfer_id,
            transfer.kind,
            transfer.stage,
            str(transfer.amount_usdc),
            transfer.tx_hash,
            transfer.needs_reconciliation,
            transfer.redrives,
            transfer.updated_at,
            transfer.error,
        )


@dataclass(frozen=True)
class UnresolvedReservation:
    user_id: str
    asset: str
    reservation: str
    transfer_id: str | None  # the transfer it was made for, when made under its id
    amount: int  # base units
    since: datetime  # when its lease ran out, or its send's outcome became unknown

    @classmethod
    def of(cls, held: caps.Unsettled) -> UnresolvedReservation:
        since = datetime.fromtimestamp(held.since, UTC)
        return cls(
            held.user_id, held.asset, held.reservation, caps.key_of(held.reservation), held.amount, since
        )


@dataclass(frozen=True)
class FundingHealth:
    stuck_deposits: list[PendingTransfer]  # bridge_confirmed past STUCK_AFTER, or marked
    stuck_past_alarm: int  # of those, stuck past ALARM_AFTER
    unknown_outcomes: list[PendingTransfer]  # a transaction, no receipt, not resolved from the chain yet
    failed_executions: list[FailedExecution]  # deposit sagas, last FAILED_LOOKBACK
    in_stage: dict[str, int]  # deposits in flight
    withdrawals_in_stage: dict[str, int]  # withdrawals in flight
    stuck_withdrawals: list[PendingTransfer]  # not recorded, not paid out, or not delivered
    withdrawals_stuck_past_alarm: int
    unresolved_reservations: list[UnresolvedReservation]  # counted as spent until resolved
    reservations_past_alarm: int


def funding_health(now: datetime | None = None) -> FundingHealth:
    now = now or datetime.now(UTC)
    stuck = deposits.stuck(now)
    stuck_out = withdrawals.unrecorded(now) + withdrawals.unpaid(now) + deliveries.pending(now)
    held = caps.unsettled(now.timestamp())
    return FundingHealth(
        stuck_deposits=[PendingTransfer.of(t) for t in stuck],
        stuck_past_alarm=sum(1 for t in stuck if stale(t, now, ALARM_AFTER)),
        unknown_outcomes=[PendingTransfer.of(t) for t in outcomes.pending(now)],
        failed_executions=executions.failed("deposit", now - FAILED_LOOKBACK),
        in_stage={stage: store.count_in_stage(stage) for stage in IN_FLIGHT},
        withdrawals_in_stage={
            stage: store.count_in_stage(stage, kind="withdrawal") for stage in WITHDRAWALS_IN_FLIGHT
        },
        stuck_withdrawals=[PendingTransfer.of(t) for t in stuck_out],
        withdrawals_stuck_past_alarm=sum(1 for t in stuck_out if stale(t, now, ALARM_AFTER)),
        unresolved_reservations=[UnresolvedReservation.of(h) for h in held],
        reservations_past_alarm=sum(1 for h in held if h.since < (now - ALARM_AFTER).timestamp()),
    )
