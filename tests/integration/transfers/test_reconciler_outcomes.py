"""Unknown send outcomes and stale cap reservations, resolved by the reconciler on the local stack
(DynamoDB Local, anvil, the Hyperliquid simulator, the Privy emulator and moto's Step Functions):

* Privy broadcasts the Bridge2 transfer but every answer is lost: the saga stops for the
  reconciler, which finds the transaction on chain (its nonce, its amount), records it, commits the
  spend once, and the deposit ends ``hl_credited`` with one transfer on chain;
* Privy never acts on the send: once the grace has passed the reconciler releases the reservation
  and re-drives the saga (``<id>-redrive-1``), which sends exactly one transaction, with the stored
  nonce; so does a recorded send the chain dropped (no receipt, nothing pending);
* reservations past their lease keep counting until the reconciler settles them from their
  transfer (released for a deposit that sent nothing, committed for one that did), and one made for
  no known transfer stays counted and listed on the health route."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hexbytes import HexBytes

from basis.chains.amounts import usdc_base_units
from basis.policies.settings import get_policy_settings
from basis.signing import caps, ledger
from basis.transfers import executions, store
from local.chains.evm_deploy import deploy
from tests.api_client import ApiClient
from tests.integration.transfers.faults import privy_recovered, privy_rpc_fault
from tests.integration.transfers.operations import settled
from tests.integration.transfers.test_deposits import assert_credited_once, bridge_transfers, deposit
from tests.integration.transfers.test_reconciler import age, run_reconciler


@pytest.fixture
def privy_faults(api_client: ApiClient) -> Iterator[None]:
    yield
    privy_recovered(api_client.stack)


def left_unknown(api_client: ApiClient, user_id: str, amount: str) -> dict[str, Any]:
    """A deposit whose send never got a definitive answer: the saga marked it for the reconciler."""
    operation = settled(api_client, user_id, deposit(api_client, user_id, amount).json()["id"])
    assert (operation["stage"], operation["needs_reconciliation"], operation["tx_hashes"]) == (
        "gas_funded",
        True,
        [],
    ), operation
    privy_recovered(api_client.stack)
    return operation


def usage(user_id: str) -> caps.Usage:
    return caps.usage(user_id, "USDC")


def test_a_send_whose_answer_was_lost_after_the_broadcast_is_found_on_chain(
    api_client: ApiClient, depositor: tuple[str, str], privy_faults: None
) -> None:
    user_id, address = depositor
    privy_rpc_fault(api_client.stack, user_id, 503, count=30, after=True)  # broadcast, answers lost
    operation = left_unknown(api_client, user_id, "14")
    assert len(bridge_transfers(deploy(api_client.stack.url("anvil")), address)) == 1
    assert usage(user_id) == caps.Usage(committed=0, reserved=0, unresolved=usdc_base_units("14"))

    assert run_reconciler(api_client)["outcomes_sent"] >= 1  # at once: the chain has it

    assert_credited_once(api_client, user_id, address, operation["id"])
    assert usage(user_id) == caps.Usage(committed=usdc_base_units("14"), reserved=0, unresolved=0)
    run_reconciler(api_client)  # a later run changes nothing: committed once
    assert usage(user_id).total == usdc_base_units("14")


def test_a_send_that_never_reached_the_chain_is_released_and_redriven_with_its_nonce(
    api_client: ApiClient, depositor: tuple[str, str], privy_faults: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id, address = depositor
    privy_rpc_fault(api_client.stack, user_id, 503, count=30)  # refused before acting: nothing sent
    operation = left_unknown(api_client, user_id, "16")
    anvil = deploy(api_client.stack.url("anvil"))
    assert bridge_transfers(anvil, address) == []
    transfer = store.get(user_id, operation["id"])
    assert transfer is not None and transfer.prepared is not None
    nonce = json.loads(transfer.prepared)["nonce"]

    run_reconciler(api_client)  # within the grace: a send may still be in flight, nothing is done
    assert settled(api_client, user_id, operation["id"])["needs_reconciliation"]
    assert usage(user_id).unresolved == usdc_base_units("16")  # counted meanwhile

    counted_at_redrive: list[caps.Usage] = []
    start = executions.start

    def spied(redriven: store.TransferRecord) -> None:
        counted_at_redrive.append(usage(user_id))
        start(redriven)

    monkeypatch.setattr(executions, "start", spied)
    age(user_id, operation["id"], 6, flagged=True)
    assert run_reconciler(api_client)["outcomes_redriven"] >= 1

    assert counted_at_redrive == [caps.Usage(0, 0, 0)]  # released before the re-drive
    assert_credited_once(api_client, user_id, address, operation["id"])
    [sent] = bridge_transfers(anvil, address)  # exactly one, with the stored nonce
    assert anvil.web3().eth.get_transaction(HexBytes(sent))["nonce"] == nonce
    redriven = store.get(user_id, operation["id"])
    assert redriven is not None and redriven.redrives == 1
    arn = executions.machine_arn("deposit").replace(":stateMachine:", ":execution:") + ":"
    described = api_client.stack.client("stepfunctions").describe_execution(
        executionArn=f"{arn}{operation['id']}-redrive-1"
    )
    assert described["status"] == "SUCCEEDED"
    assert usage(user_id) == caps.Usage(committed=usdc_base_units("16"), reserved=0, unresolved=0)


def test_a_recorded_send_the_chain_dropped_is_redriven_with_its_nonce(
    api_client: ApiClient, depositor: tuple[str, str], privy_faults: None
) -> None:
    """At ``bridge_sent`` with a hash the chain does not know (no receipt, nothing pending, the
    nonce unused: dropped), once the grace has passed: re-driven, the hash forgotten, the SAME
    stored transaction sent, exactly one transfer on chain."""
    user_id, address = depositor
    privy_rpc_fault(api_client.stack, user_id, 503, count=30)  # nothing reaches the chain
    operation = left_unknown(api_client, user_id, "17")
    transfer = store.get(user_id, operation["id"])
    assert transfer is not None and transfer.prepared is not None
    nonce = json.loads(transfer.prepared)["nonce"]
    store.record_sent(transfer, "0x" + "ee" * 32, "bridge_sent")  # as if sent, then dropped

    run_reconciler(api_client)  # within the grace: it may still be pending somewhere
    assert settled(api_client, user_id, operation["id"])["stage"] == "bridge_sent"
    age(user_id, operation["id"], 6, flagged=True)
    assert run_reconciler(api_client)["outcomes_redriven"] >= 1

    assert_credited_once(api_client, user_id, address, operation["id"])
    anvil = deploy(api_client.stack.url("anvil"))
    [sent] = bridge_transfers(anvil, address)
    assert anvil.web3().eth.get_transaction(HexBytes(sent))["nonce"] == nonce
    assert usage(user_id) == caps.Usage(committed=usdc_base_units("17"), reserved=0, unresolved=0)


def lapsed(user_id: str, key: str, amount: str, minutes: int) -> str:
    """A reservation made under ``key`` whose lease ran out ``minutes`` ago (its worker died)."""
    cap = get_policy_settings().daily_caps()["USDC"]
    reservation = caps.reserve(user_id, "USDC", usdc_base_units(amount), cap, lease_seconds=60, key=key)
    window = ledger.read_window(user_id, "USDC")
    window.reservations[reservation]["expires"] = int(time.time()) - minutes * 60
    assert ledger.write_window(window)
    return reservation


def listed(api_client: ApiClient, user_id: str) -> dict[str, int]:
    report = api_client.as_admin("GET", "/health/funding").json()
    return {
        r["reservation"]: r["amount"] for r in report["unresolved_reservations"] if r["user_id"] == user_id
    }


def test_reservations_past_their_lease_count_until_settled_from_their_transfer(
    api_client: ApiClient, depositor: tuple[str, str]
) -> None:
    user_id, _ = depositor
    died, _ = store.create(user_id, f"dep-died-{user_id[-8:]}", "deposit", "8")
    store.advance(died, "validated")  # its saga died before preparing anything
    age(user_id, died.transfer_id, 6, flagged=False)
    sent, _ = store.create(user_id, f"dep-sent-{user_id[-8:]}", "deposit", "9")
    store.record_sent(sent, "0x" + "ab" * 32, "hl_credited")  # sent and credited, never committed
    held = {
        lapsed(user_id, died.transfer_id, "8", 6): usdc_base_units("8"),
        lapsed(user_id, sent.transfer_id, "9", 6): usdc_base_units("9"),
        lapsed(user_id, f"no-such-transfer-{user_id[-8:]}", "3", 6): usdc_base_units("3"),
    }
    # Past their lease, they still count (as unresolved) and are listed for the reconciler.
    assert usage(user_id) == caps.Usage(committed=0, reserved=0, unresolved=usdc_base_units("20"))
    assert listed(api_client, user_id) == held

    counts = run_reconciler(api_client)

    assert counts["reservations_released"] >= 1 and counts["reservations_committed"] >= 1, counts
    assert usage(user_id) == caps.Usage(usdc_base_units("9"), 0, usdc_base_units("3"))
    assert list(listed(api_client, user_id)) == [caps.key_reservation(f"no-such-transfer-{user_id[-8:]}")]
