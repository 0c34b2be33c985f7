"""Withdrawals the saga left to the reconciler, on the local stack: one whose payout poll failed
(marked at ``hl_withdraw_sent``) and one whose saga failed after Hyperliquid applied the withdraw3
(marked, still ``initiated``) both end ``completed`` with exactly one withdrawal; one stuck past 30
minutes is counted in ``StuckWithdrawals`` and listed on ``GET /api/v1/health/funding``. The
withdraw3 signature's cap reservation is keyed by the transfer id (the reconciler settles it from
the transfer): signing the same action again counts once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from basis.chains.amounts import usdc_base_units
from basis.platform.errors import TransientError
from basis.signing import caps
from basis.signing.hyperliquid import PrivyHyperliquidExchange
from basis.transfers import store, withdrawal_saga
from basis.transfers.reconciler import WITHDRAWALS_IN_FLIGHT
from basis.transfers.saga import arbitrum
from tests.api_client import ApiClient
from tests.integration.transfers import test_withdrawals as withdrawals
from tests.integration.transfers.operations import settled
from tests.integration.transfers.test_reconciler import age, run_reconciler

withdrawer = withdrawals.withdrawer  # a user who deposited 60 USDC into Hyperliquid


def reconciled(
    api_client: ApiClient, user_id: str, transfer_id: str, timeout: float = 30, stage: str = "completed"
) -> dict[str, Any]:
    """Reconciler runs until the withdrawal is at ``stage`` (its payout lands within seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        run_reconciler(api_client)
        operation: dict[str, Any] = api_client.get(f"/funding/operations/{transfer_id}", user=user_id).json()
        if operation["stage"] == stage:
            return operation
        assert time.monotonic() < deadline, operation
        time.sleep(0.5)


def test_a_withdrawal_whose_payout_poll_failed_is_completed_by_the_reconciler(
    api_client: ApiClient, withdrawer: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, address = withdrawer
    before = withdrawals.usdc_balance(api_client, address)

    def broken(event: withdrawal_saga.StepInput) -> dict[str, Any]:
        raise RuntimeError("Arbitrum did not answer")

    monkeypatch.setitem(withdrawal_saga.STEPS, "check_payout", broken)
    transfer_id = withdrawals.withdraw(api_client, user_id, "10").json()["id"]
    operation = settled(api_client, user_id, transfer_id)
    assert (operation["stage"], operation["needs_reconciliation"]) == ("hl_withdraw_sent", True)

    reconciled(api_client, user_id, transfer_id)
    withdrawals.assert_paid_out_once(api_client, user_id, address, transfer_id, before, "10")


def test_a_withdrawal_whose_saga_failed_after_hyperliquid_applied_it_ends_completed(
    api_client: ApiClient, withdrawer: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, address = withdrawer
    before = withdrawals.usdc_balance(api_client, address)

    def unrecordable(*args: object, **kwargs: object) -> store.TransferRecord:
        raise RuntimeError("the row could not be written")  # not retried: the saga fails

    monkeypatch.setattr(store, "record_sent", unrecordable)
    transfer_id = withdrawals.withdraw(api_client, user_id, "11").json()["id"]
    operation = settled(api_client, user_id, transfer_id)
    assert (operation["stage"], operation["needs_reconciliation"], operation["tx_hashes"]) == (
        "initiated",
        True,
        [],
    )
    assert len(withdrawals.hyperliquid_withdrawals(api_client, address)) == 1  # applied all the same

    reconciled(api_client, user_id, transfer_id)
    withdrawals.assert_paid_out_once(api_client, user_id, address, transfer_id, before, "11")


def test_a_withdraw3_signed_again_after_a_lost_post_counts_once_against_the_cap(
    api_client: ApiClient, withdrawer: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, address = withdrawer
    before = withdrawals.usdc_balance(api_client, address)
    counted = caps.usage(user_id, "USDC").total  # the 60 USDC deposit
    post = PrivyHyperliquidExchange._post_action
    lost: list[bool] = []

    def lose_first(self: PrivyHyperliquidExchange, *args: Any) -> Any:
        if not lost:  # signed, then the post never reached Hyperliquid: the step signs again
            lost.append(True)
            raise TransientError("Hyperliquid did not answer")
        return post(self, *args)

    monkeypatch.setattr(PrivyHyperliquidExchange, "_post_action", lose_first)
    transfer_id = withdrawals.withdraw(api_client, user_id, "10").json()["id"]
    withdrawals.assert_paid_out_once(api_client, user_id, address, transfer_id, before, "10")
    assert lost == [True]
    assert caps.usage(user_id, "USDC").total - counted == usdc_base_units("10")


def test_a_withdrawal_stuck_past_thirty_minutes_is_counted_and_listed(
    api_client: ApiClient, depositor: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    user_id, _ = depositor
    transfer, _ = store.create(user_id, f"wd-stuck-{user_id[-8:]}", "withdrawal", "5")
    block = int(arbitrum(user_id).w3.eth.block_number)
    transfer = store.record_prepared(transfer, json.dumps({"nonce": 1, "from_block": block}))
    store.record_sent(transfer, "0x" + "cd" * 32, "hl_withdraw_sent")  # its payout never comes
    age(user_id, transfer.transfer_id, 31, flagged=False)
    capsys.readouterr()

    counts = run_reconciler(api_client)

    assert counts["withdrawals_stuck_past_alarm"] >= 1, counts
    out = "\n".join(line for line in capsys.readouterr().out.splitlines() if '"_aws"' in line)
    emitted = [
        json.loads(line)["StuckWithdrawals"] for line in out.splitlines() if '"StuckWithdrawals"' in line
    ]
    assert emitted == [[counts["withdrawals_stuck_past_alarm"]]]
    in_stage = {
        line["stage"]: line["WithdrawalsInStage"]
        for line in map(json.loads, out.splitlines())
        if "WithdrawalsInStage" in line
    }
    assert set(in_stage) == set(WITHDRAWALS_IN_FLIGHT) and in_stage["hl_withdraw_sent"][0] >= 1, in_stage
    report = api_client.as_admin("GET", "/health/funding").json()
    assert transfer.transfer_id in [w["transfer_id"] for w in report["stuck_withdrawals"]]
    assert report["withdrawals_stuck_past_alarm"] >= 1
    assert report["withdrawals_in_stage"]["hl_withdraw_sent"] >= 1
