"""Deposits through the API on the local stack: the deposit saga (moto's Step Functions running our
ASL, its tasks the real handler in-process) tops gas up from the funder, sends one USDC transfer to
Bridge2 on anvil and waits for the Hyperliquid simulator's credit. Crash tests make each Task step
fail right after its side effect (enumerated from the ASL, so a new step is covered): the state
machine re-runs the step and the deposit still ends credited with exactly one transfer on chain."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from web3 import Web3

from basis.transfers import deposit_saga
from basis.transfers.funding import deposit_id
from infra.catalog import STATE_MACHINES
from local.chains.evm_deploy import EvmDeployment, deploy
from local.hyperliquid.bridge_watcher import TRANSFER_TOPIC
from tests.api_client import ApiClient
from tests.helpers import sign_in
from tests.integration.transfers.faults import crash_once_after, crash_record_sent_once
from tests.integration.transfers.operations import settled


def task_steps() -> list[str]:
    """The ``step`` of every Task state on the saga's path (those with a Catch; not the Catch's own)."""
    machine = next(m for m in STATE_MACHINES if m.name == "deposit-saga")
    states = json.loads(machine.path.read_text())["States"]
    return [
        s["Parameters"]["Payload"]["step"] for s in states.values() if s["Type"] == "Task" and "Catch" in s
    ]


def deposit(api_client: ApiClient, user_id: str, amount: str, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api_client.post("/funding/deposits", user=user_id, json={"amount_usdc": amount}, headers=headers)


def bridge_transfers(anvil: EvmDeployment, sender: str) -> list[str]:
    """Hashes of the USDC transfers from ``sender`` to Bridge2 on chain."""
    w3 = anvil.web3()

    def topic(address: str) -> str:
        return "0x" + "0" * 24 + address.lower().removeprefix("0x")

    logs = w3.eth.get_logs(
        {
            "fromBlock": 0,
            "toBlock": "latest",
            "address": anvil.usdc_address,
            "topics": [TRANSFER_TOPIC, topic(sender), topic(anvil.bridge_address)],
        }
    )
    return ["0x" + bytes(entry["transactionHash"]).hex() for entry in logs]


def hyperliquid_credits(api_client: ApiClient, address: str) -> list[dict[str, Any]]:
    ledger = api_client.stack.hyperliquid.state.ledger_updates.get(address.lower(), [])
    return [e for e in ledger if e["delta"]["type"] == "deposit"]


def assert_credited_once(api_client: ApiClient, user_id: str, address: str, operation_id: str) -> None:
    operation = settled(api_client, user_id, operation_id)
    assert (operation["stage"], operation["needs_reconciliation"]) == ("hl_credited", False), operation
    anvil = deploy(api_client.stack.url("anvil"))
    sent = bridge_transfers(anvil, address)
    assert sent == operation["tx_hashes"]  # exactly one transfer on chain, the one recorded
    credits = hyperliquid_credits(api_client, address)
    assert [c["hash"].lower() for c in credits] == [sent[0].lower()]


def test_a_deposit_through_the_api_is_credited_on_hyperliquid(
    api_client: ApiClient, depositor: tuple[str, str]
) -> None:
    user_id, address = depositor
    answer = deposit(api_client, user_id, "60.5")
    assert answer.status_code == 200, answer.text
    started = answer.json()
    assert (started["kind"], started["amount_usdc"]) == ("deposit", "60.5")
    assert_credited_once(api_client, user_id, address, started["id"])
    anvil = deploy(api_client.stack.url("anvil"))
    assert anvil.web3().eth.get_balance(Web3.to_checksum_address(address)) > 0  # the funder paid for the gas
    listed = api_client.get("/funding/operations", user=user_id).json()["operations"]
    assert [o["id"] for o in listed] == [started["id"]]


def test_one_idempotency_key_gives_one_saga_and_one_transfer(
    api_client: ApiClient, depositor: tuple[str, str]
) -> None:
    user_id, address = depositor
    key = uuid.uuid4().hex
    first, second = deposit(api_client, user_id, "20", key), deposit(api_client, user_id, "20", key)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    assert_credited_once(api_client, user_id, address, first.json()["id"])
    again = deposit(api_client, user_id, "20", key)  # after the saga ended: the same operation
    assert again.json()["id"] == first.json()["id"] and again.json()["stage"] == "hl_credited"
    assert deposit(api_client, user_id, "21", key).status_code == 409


def test_a_deposit_over_max_auto_bridge_is_refused_naming_the_limit(
    api_client: ApiClient, depositor: tuple[str, str]
) -> None:
    user_id, _ = depositor
    answer = deposit(api_client, user_id, "25000.000001")
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]["message"]
    assert "MAX_AUTO_BRIDGE_USDC (25000 USDC)" in message and "split" in message
    assert deposit(api_client, user_id, "4.99").status_code == 400  # under the bridge minimum
    assert api_client.get("/funding/operations", user=user_id).json()["operations"] == []


def test_another_users_operation_is_not_found(api_client: ApiClient, depositor: tuple[str, str]) -> None:
    user_id, _ = depositor
    mine = deposit(api_client, user_id, "10").json()["id"]
    stranger = sign_in(api_client.stack, "stranger")
    assert api_client.get(f"/funding/operations/{mine}", user=stranger).status_code == 404
    assert api_client.get("/funding/operations", user=stranger).json()["operations"] == []


@pytest.mark.parametrize("step", task_steps())
def test_a_step_crashing_after_its_side_effect_is_rerun_without_a_second_transfer(
    api_client: ApiClient, depositor: tuple[str, str], monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    user_id, address = depositor
    key = uuid.uuid4().hex
    transfer_id = deposit_id(user_id, key)
    crashed: list[str] = []
    monkeypatch.setitem(
        deposit_saga.STEPS, step, crash_once_after(deposit_saga.STEPS[step], transfer_id, crashed)
    )
    answer = deposit(api_client, user_id, "15", key)
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == transfer_id
    assert_credited_once(api_client, user_id, address, transfer_id)
    assert crashed == [step]


def test_a_send_that_crashed_before_recording_its_hash_resends_the_same_transaction(
    api_client: ApiClient, depositor: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst moment: Privy broadcast the transfer, the step died before storing the hash."""
    user_id, address = depositor
    crashed = crash_record_sent_once(monkeypatch, "crashed after the broadcast, before the hash was stored")
    answer = deposit(api_client, user_id, "12")
    assert answer.status_code == 200, answer.text
    assert_credited_once(api_client, user_id, address, answer.json()["id"])
    assert crashed


def test_a_poll_failing_after_the_bridge_confirmed_leaves_the_stage_for_the_reconciler(
    api_client: ApiClient, depositor: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Funds left the wallet: the failure step never turns real progress into ``failed``."""
    user_id, address = depositor

    def broken(event: deposit_saga.StepInput) -> dict[str, Any]:
        raise RuntimeError("Hyperliquid answered garbage")

    monkeypatch.setitem(deposit_saga.STEPS, "check_credit", broken)
    answer = deposit(api_client, user_id, "9")
    operation = settled(api_client, user_id, answer.json()["id"])
    assert (operation["stage"], operation["needs_reconciliation"]) == ("bridge_confirmed", True)
    assert "Hyperliquid answered garbage" in operation["error"]
    assert bridge_transfers(deploy(api_client.stack.url("anvil")), address) == operation["tx_hashes"]
