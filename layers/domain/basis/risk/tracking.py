"""The risk numbers of one user and how each event moves them: pure functions, no I/O.

Drawdown (seed 7.3.1, N7): ``(peak - current) / peak`` in percent, ``peak`` the highest balance seen
with the money moved in and out accounted for (G13):

* a deposit of X raises the peak by X (and the balance by X): new money is not a gain;
* a withdrawal of W scales the peak by the share of the balance that remains, ``(B - W) / B``: the
  drawdown is the same after a withdrawal as before it (taking money out is not a loss);
* an observed balance above the peak is a gain: the peak follows it.

Amounts are ``Decimal`` (never float), kept to USDC's 6 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

USDC_UNIT = Decimal("0.000001")  # USDC's precision
PCT_PLACES = Decimal("0.01")
APPLIED_KEPT = 50  # transfer ids kept to refuse a second application (re-runs come within minutes)


def usd(amount: Decimal) -> Decimal:
    return amount.quantize(USDC_UNIT, rounding=ROUND_HALF_EVEN)


def utc_day(now: datetime) -> str:
    """The UTC calendar day of ``now`` (the daily trade count resets at UTC midnight)."""
    return now.astimezone(UTC).date().isoformat()


@dataclass(frozen=True)
class RiskState:
    user_id: str
    peak_balance_usd: Decimal = Decimal(0)
    current_balance_usd: Decimal = Decimal(0)
    daily_trade_count: int = 0
    daily_trade_date: str | None = None  # the UTC day of ``daily_trade_count``
    consecutive_failures: int = 0
    applied_transfers: tuple[str, ...] = ()
    version: int = 0  # 0: never stored

    @property
    def drawdown_pct(self) -> Decimal:
        if self.peak_balance_usd <= 0 or self.current_balance_usd >= self.peak_balance_usd:
            return Decimal(0)
        lost = (self.peak_balance_usd - self.current_balance_usd) / self.peak_balance_usd
        return (lost * 100).quantize(PCT_PLACES, rounding=ROUND_HALF_EVEN)

    def drawdown_past(self, pct: Decimal) -> bool:
        """Whether the drawdown, exactly (not rounded as ``drawdown_pct``), is past ``pct``."""
        return (self.peak_balance_usd - self.current_balance_usd) * 100 > pct * self.peak_balance_usd

    def trades_on(self, day: str) -> int:
        return self.daily_trade_count if self.daily_trade_date == day else 0


def _applied(state: RiskState, transfer_id: str) -> tuple[str, ...]:
    return (*state.applied_transfers, transfer_id)[-APPLIED_KEPT:]


def deposited(state: RiskState, transfer_id: str, amount: Decimal) -> RiskState | None:
    """After a deposit of ``amount`` reached Hyperliquid; None when ``transfer_id`` was applied."""
    if transfer_id in state.applied_transfers:
        return None
    return replace(
        state,
        peak_balance_usd=usd(state.peak_balance_usd + amount),
        current_balance_usd=usd(state.current_balance_usd + amount),
        applied_transfers=_applied(state, transfer_id),
    )


def withdrew(state: RiskState, transfer_id: str, amount: Decimal) -> RiskState | None:
    """After a withdrawal of ``amount`` left Hyperliquid; None when ``transfer_id`` was applied."""
    if transfer_id in state.applied_transfers:
        return None
    before = state.current_balance_usd
    remaining = max(before - amount, Decimal(0))
    ratio = remaining / before if before > 0 else Decimal(0)
    return replace(
        state,
        peak_balance_usd=usd(state.peak_balance_usd * ratio),
        current_balance_usd=usd(remaining),
        applied_transfers=_applied(state, transfer_id),
    )


def observed(state: RiskState, balance: Decimal) -> RiskState:
    """The balance as read from the venues now; above the peak, the peak follows it."""
    balance = usd(balance)
    return replace(state, current_balance_usd=balance, peak_balance_usd=max(state.peak_balance_usd, balance))


def rebased(state: RiskState) -> RiskState | None:
    """The drawdown measured from the balance now (the user resumed after a drawdown pause,
    accepting the loss); None when there is no drawdown to forget."""
    if state.peak_balance_usd <= state.current_balance_usd:
        return None
    return replace(state, peak_balance_usd=state.current_balance_usd)
