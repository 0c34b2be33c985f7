"""The risk numbers (``basis.risk.tracking``): the drawdown of N7 with deposits and withdrawals
(G13) and the UTC day the daily trade count belongs to (it starts again at UTC midnight)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from basis.risk.tracking import RiskState, deposited, observed, utc_day, withdrew

D = Decimal


def state(peak: str, current: str) -> RiskState:
    return RiskState("u", peak_balance_usd=D(peak), current_balance_usd=D(current))


@pytest.mark.parametrize(
    ("peak", "current", "drawdown"),
    [
        ("10000", "8500", "15.00"),
        ("10000", "10000", "0"),
        ("0", "0", "0"),
        ("3", "2", "33.33"),
        ("100", "79", "21.00"),
    ],
)
def test_drawdown_is_the_share_of_the_peak_lost(peak: str, current: str, drawdown: str) -> None:
    assert state(peak, current).drawdown_pct == D(drawdown)


def test_past_the_cap_is_judged_exactly_not_as_rounded() -> None:
    at_cap, just_past = state("1200", "960"), state("1200", "959.99")
    assert (at_cap.drawdown_past(D(20)), just_past.drawdown_past(D(20))) == (False, True)
    assert just_past.drawdown_pct == D("20.00")
    assert not state("0", "0").drawdown_past(D(20))


def test_a_deposit_raises_the_peak_and_the_balance_one_for_one() -> None:
    after = deposited(state("10000", "8500"), "t1", D("5000"))
    assert after is not None
    assert (after.peak_balance_usd, after.current_balance_usd) == (D("15000"), D("13500"))
    assert after.drawdown_pct == D("10.00")  # the same 1500 lost, of a larger peak


def test_a_withdrawal_scales_the_peak_by_the_balance_that_remains() -> None:
    after = withdrew(state("10000", "8500"), "t1", D("4250"))
    assert after is not None
    assert (after.peak_balance_usd, after.current_balance_usd) == (D("5000"), D("4250"))
    assert after.drawdown_pct == D("15.00")  # taking money out is not a loss


def test_a_withdrawal_at_the_peak_leaves_no_drawdown() -> None:
    after = withdrew(state("1000", "1000"), "t1", D("999.999999"))
    assert after is not None and (after.peak_balance_usd, after.drawdown_pct) == (D("0.000001"), 0)


def test_withdrawing_everything_or_more_than_is_known_zeroes_both() -> None:
    for start in (state("1000", "400"), state("0", "0")):
        after = withdrew(start, "t1", D("500"))
        assert after is not None and (after.peak_balance_usd, after.current_balance_usd) == (0, 0)


def test_each_transfer_moves_the_peak_once() -> None:
    once = deposited(state("100", "100"), "t1", D("50"))
    assert once is not None
    assert deposited(once, "t1", D("50")) is None
    assert withdrew(once, "t1", D("50")) is None
    twice = withdrew(once, "t2", D("75"))
    assert twice is not None and twice.applied_transfers == ("t1", "t2")


def test_only_the_latest_transfer_ids_are_kept() -> None:
    current = state("0", "0")
    for n in range(60):
        after = deposited(current, f"t{n}", D(1))
        assert after is not None
        current = after
    assert len(current.applied_transfers) == 50 and current.applied_transfers[-1] == "t59"
    assert current.peak_balance_usd == 60


def test_a_gain_moves_the_peak_a_loss_does_not() -> None:
    gained = observed(state("1000", "1000"), D("1100.1234567"))
    assert (gained.peak_balance_usd, gained.current_balance_usd) == (D("1100.123457"), D("1100.123457"))
    lost = observed(gained, D("800"))
    assert (lost.peak_balance_usd, lost.drawdown_pct) == (D("1100.123457"), D("27.28"))


def test_the_day_s_count_is_zero_on_another_day() -> None:
    counted = RiskState("u", daily_trade_count=20, daily_trade_date="2026-03-01")
    assert (counted.trades_on("2026-03-01"), counted.trades_on("2026-03-02")) == (20, 0)


def test_the_day_changes_at_utc_midnight_whatever_the_clock_s_zone() -> None:
    midnight = datetime(2026, 3, 2, tzinfo=UTC)
    assert utc_day(midnight - timedelta(microseconds=1)) == "2026-03-01"
    assert utc_day(midnight) == "2026-03-02"
    new_york_evening = datetime(2026, 3, 1, 20, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert utc_day(new_york_evening) == "2026-03-02"
