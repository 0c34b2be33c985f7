"""Withdrawals with a destination whose delivery the saga did not finish, resolved by the reconciler
on the local stack (the Privy emulator's faults, anvil, moto's Step Functions):

* Privy broadcasts the delivery but every answer is lost: the reconciler finds it on chain (the
  stored nonce, the payout to the destination) and the withdrawal ends ``completed``, one delivery;
* Privy never acts on it: once the grace has passed the saga is re-driven (``<id>-redrive-1``) and
  resends the stored delivery: exactly one, with the stored nonce;
* a payout the reconciler saw after the saga gave up (``paid_out``, no execution left) is re-driven
  and delivered once; with the address removed meanwhile it ends ``undelivered``, nothing sent."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hexbytes import HexBytes

from basis.transfers import executions, store, withdrawal_saga
from local.chains.evm_deploy import deploy
from tests.api_client import ApiClient
from tests.integration.transfers import test_withdrawals as withdrawals
from tests.integration.transfers.faults import privy_recovered, privy_rpc_fault
from tests.integration.transfers.operations import settled
from tests.integration.transfers.test_reconciler import age, run_reconciler
from tests.integration.transfers.test_reconciler_withdrawals import reconciled

withdrawer, destination = withdrawals.withdrawer, withdrawals.destination


@pytest.fixture
def privy_faults(api_client: ApiClient) -> Iterator[None]:
    yield
    privy_recovered(api_client.stack)


def delivery_left_unknown(
    api_client: ApiClient,
    user_id: str,
    to: str,
    amount: str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    after: bool,
) -> str:
    """A withdrawal whose delivery send never got a definitive answer (Privy failing from the
    delivery on; ``after``: each request carried out, its answer lost): marked at ``gas_funded``
    with the delivery stored and no hash."""
    deliver = withdrawal_saga.STEPS["deliver"]
    faulted: list[bool] = []

    def failing_from_here(event: Any) -> dict[str, Any]:
        if not faulted:
            faulted.append(True)
            privy_rpc_fault(api_client.stack, user_id, 503, count=30, after=after)
        return deliver(event)

    monkeypatch.setitem(withdrawal_saga.STEPS, "deliver", failing_from_here)
    transfer_id: str = withdrawals.withdraw(api_client, user_id, amount, destination=to).json()["id"]
    operation = settled(api_client, user_id, transfer_id)
    assert (operation["stage"], operation["needs_reconciliation"], len(operation["tx_hashes"])) == (
        "gas_funded",
        True,
        2,
    ), operation
    privy_recovered(api_client.stack)
    monkeypatch.setitem(withdrawal_saga.STEPS, "deliver", deliver)
    return transfer_id


def test_a_delivery_whose_answer_was_lost_is_found_on_chain_and_completed(
    api_client: ApiClient,
    withdrawer: tuple[str, str],
    destination: str,
    privy_faults: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_id, address = withdrawer
    before = withdrawals.usdc_balance(api_client, address)
    transfer_id = delivery_left_unknown(api_client, user_id, destination, "13", monkeypatch, after=True)
    assert len(withdrawals.usdc_transfers_to(api_client, destination)) == 1  # broadcast all the same

    assert run_reconciler(api_client)["deliveries_delivered"] >= 1  # at once: the chain has it

    withdrawals.assert_delivered_once(api_client, withdrawer, destination, transfer_id, before, "13")
    run_reconciler(api_client)  # a later run changes nothing
    assert len(withdrawals.usdc_transfers_to(api_client, destination)) == 1


def test_a_delivery_that_never_reached_the_chain_is_redriven_with_its_nonce(
    api_client: ApiClient,
    withdrawer: tuple[str, str],
    destination: str,
    privy_faults: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_id, address = withdrawer
    before = withdrawals.usdc_balance(api_client, address)
    transfer_id = delivery_left_unknown(api_client, user_id, destination, "14", monkeypatch, after=False)
    assert withdrawals.usdc_transfers_to(api_client, destination) == []
    stored = store.get(user_id, transfer_id)
    assert stored is not None
    delivery = withdrawal_saga.stored_delivery(stored)
    assert delivery is not None and delivery[1] is not None  # stored with the block it was prepared at

    run_reconciler(api_client)  # within the grace: a send may still be in flight, nothing is done
    assert withdrawals.usdc_transfers_to(api_client, destination) == []
    age(user_id, transfer_id, 6, flagged=True)
    assert run_reconciler(api_client)["deliveries_redriven"] >= 1

    withdrawals.assert_delivered_once(api_client, withdrawer, destination, transfer_id, before, "14")
    [sent] = withdrawals.usdc_transfers_to(api_client, destination)
    anvil = deploy(api_client.stack.url("anvil")).web3()
    assert anvil.eth.get_transaction(HexBytes(sent.transactionHash))["nonce"] == delivery[0]["nonce"]
    assert_redriven_once(api_client, user_id, transfer_id)


def assert_redriven_once(api_client: ApiClient, user_id: str, transfer_id: str) -> None:
    redriven = store.get(user_id, transfer_id)
    assert redriven is not None and redriven.redrives == 1
    arn = executions.machine_arn("withdrawal").replace(":stateMachine:", ":execution:") + ":"
    described = api_client.stack.client("stepfunctions").describe_execution(
        executionArn=f"{arn}{transfer_id}-redrive-1"
    )
    assert described["status"] == "SUCCEEDED"


def paid_out_after_the_saga_gave_up(
    api_client: ApiClient, user_id: str, to: str, amount: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A withdrawal whose payout poll failed (its saga marked it and ended), then paid out as the
    reconciler saw it: ``paid_out``, no execution left, unmoved for six minutes."""
    with monkeypatch.context() as patched:

        def broken(event: withdrawal_saga.StepInput) -> dict[str, Any]:
            raise RuntimeError("Arbitrum did not answer")

        patched.setitem(withdrawal_saga.STEPS, "check_payout", broken)
        transfer_id: str = withdrawals.withdraw(api_client, user_id, amount, destination=to).json()["id"]
        operation = settled(api_client, user_id, transfer_id)
        assert (operation["stage"], operation["needs_reconciliation"]) == ("hl_withdraw_sent", True)
    reconciled(api_client, user_id, transfer_id, stage="paid_out")
    age(user_id, transfer_id, 6, flagged=False)
    return transfer_id


def test_a_payout_left_by_a_dead_saga_is_redriven_and_delivered_once(
    api_client: ApiClient, withdrawer: tuple[str, str], destination: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, address = withdrawer
    before = withdrawals.usdc_balance(api_client, address)
    transfer_id = paid_out_after_the_saga_gave_up(api_client, user_id, destination, "15", monkeypatch)
    assert withdrawals.usdc_transfers_to(api_client, destination) == []

    assert run_reconciler(api_client)["deliveries_redriven"] >= 1

    withdrawals.assert_delivered_once(api_client, withdrawer, destination, transfer_id, before, "15")
    assert_redriven_once(api_client, user_id, transfer_id)


def test_a_payout_whose_address_was_removed_ends_undelivered_with_nothing_sent(
    api_client: ApiClient, withdrawer: tuple[str, str], destination: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, address = withdrawer
    before = withdrawals.usdc_balance(api_client, address)
    transfer_id = paid_out_after_the_saga_gave_up(api_client, user_id, destination, "16", monkeypatch)
    assert api_client.delete(f"/funding/withdrawal-addresses/{destination}", user=user_id).status_code == 200

    assert run_reconciler(api_client)["deliveries_undelivered"] >= 1

    operation = settled(api_client, user_id, transfer_id)
    assert (operation["stage"], operation["needs_reconciliation"]) == ("undelivered", False), operation
    assert "no longer a registered withdrawal address" in operation["error"]
    assert withdrawals.usdc_transfers_to(api_client, destination) == []
    assert withdrawals.usdc_balance(api_client, address) - before == Decimal(15)
    transfer = store.get(user_id, transfer_id)
    assert transfer is not None and transfer.redrives == 0
