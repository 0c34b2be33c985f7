"""Money movement moves the risk peak (N7, G13) through the sagas on the local stack: a deposit
reaching ``hl_credited`` raises it by its amount, a completed withdrawal scales it by the balance
left; the last step run again (a retry after a crash) moves it no further."""

from __future__ import annotations

from decimal import Decimal

from basis.risk import store as risks
from basis.transfers import deposit_saga, withdrawal_saga
from tests.api_client import ApiClient
from tests.integration.transfers.operations import settled
from tests.integration.transfers.test_deposits import deposit
from tests.integration.transfers.test_withdrawals import withdraw


def peak_and_balance(user_id: str) -> tuple[Decimal, Decimal]:
    state = risks.get(user_id)
    return state.peak_balance_usd, state.current_balance_usd


def test_a_deposit_raises_the_peak_and_a_withdrawal_scales_it_each_once(
    api_client: ApiClient, depositor: tuple[str, str]
) -> None:
    user_id, _ = depositor
    credited = settled(api_client, user_id, deposit(api_client, user_id, "60").json()["id"])
    assert credited["stage"] == "hl_credited", credited
    assert peak_and_balance(user_id) == (60, 60)
    step = deposit_saga.StepInput(step="check_credit", user_id=user_id, transfer_id=credited["id"])
    assert deposit_saga.check_credit(step)["credited"]
    assert peak_and_balance(user_id) == (60, 60)

    completed = settled(api_client, user_id, withdraw(api_client, user_id, "15").json()["id"])
    assert completed["stage"] == "completed", completed
    assert peak_and_balance(user_id) == (45, 45)  # 60 x (60 - 15) / 60
    again = withdrawal_saga.StepInput(step="check_payout", user_id=user_id, transfer_id=completed["id"])
    assert withdrawal_saga.check_payout(again)["paid"]
    assert peak_and_balance(user_id) == (45, 45)
