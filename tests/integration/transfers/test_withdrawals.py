"""Withdrawals through the API on the local stack: USDC deposited into Hyperliquid through the
deposit saga comes back through the withdrawal saga (moto's Step Functions running our ASL, its
tasks the real handler in-process): withdraw3 signed through Privy to the user's own server wallet,
the Hyperliquid simulator's Bridge2 payout on anvil less the 1 USDC fee, and with a ``destination``
(a registered withdrawal address) that payout delivered on there by the platform signer. Crash
tests make each Task step fail right after its side effect (enumerated from the ASL, with and
without a destination): exactly one withdrawal (and one delivery) still happens and the operation
ends ``completed``."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from basis.chains.amounts import wire
from basis.signing.hyperliquid import PrivyHyperliquidExchange
from basis.transfers import store, withdrawal_saga
from basis.transfers.funding import withdrawal_id
from basis.transfers.saga import evm_signer
from basis.venues.hyperliquid.trader import HyperliquidTrader
from infra.catalog import STATE_MACHINES
from local.chains import evm_funding
from local.chains.evm_deploy import deploy
from tests.api_client import ApiClient
from tests.integration.transfers.faults import crash_once_after, crash_record_sent_once
from tests.integration.transfers.operations import settled
from tests.integration.transfers.test_deposits import deposit

DEPOSITED = "60"


def task_steps(*, deliver: bool) -> list[str]:
    """The ``step`` of every Task state on the saga's path (those with a Catch; not the Catch's own)
    for a withdrawal with (``deliver``) or without a destination: the states reachable from the
    start when the choice on ``$.payout.deliver`` goes that way."""
    machine = next(m for m in STATE_MACHINES if m.name == "withdrawal-saga")
    states = json.loads(machine.path.read_text())["States"]
    seen: list[str] = []
    todo = [json.loads(machine.path.read_text())["StartAt"]]
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.append(name)
        state = states[name]
        choices = state.get("Choices", [])
        if any(c["Variable"] == "$.payout.deliver" for c in choices):
            todo.append(choices[0]["Next"] if deliver else state["Default"])
            continue
        todo += [c["Next"] for c in choices] + [state[k] for k in ("Next", "Default") if k in state]
    return [
        states[n]["Parameters"]["Payload"]["step"]
        for n in seen
        if states[n]["Type"] == "Task" and "Catch" in states[n]
    ]


def test_the_steps_are_enumerated_per_path() -> None:
    assert task_steps(deliver=False) == ["withdraw", "check_payout"]
    assert task_steps(deliver=True) == [
        "withdraw",
        "check_payout",
        "ensure_gas",
        "deliver",
        "confirm_delivery",
    ]


@pytest.fixture
def withdrawer(api_client: ApiClient, depositor: tuple[str, str]) -> tuple[str, str]:
    """A user who deposited 60 USDC into Hyperliquid through the API (their wallet keeps 40)."""
    user_id, address = depositor
    credited = settled(api_client, user_id, deposit(api_client, user_id, DEPOSITED).json()["id"])
    assert credited["stage"] == "hl_credited", credited
    return user_id, address


@pytest.fixture
def destination(api_client: ApiClient, withdrawer: tuple[str, str]) -> str:
    """A fresh address the withdrawer registered as a withdrawal address (with their own key)."""
    address = str(Account.create().address)
    answer = api_client.post("/funding/withdrawal-addresses", user=withdrawer[0], json={"address": address})
    assert answer.status_code == 200 and answer.json()["state"] == "active", answer.text
    return address


def withdraw(
    api_client: ApiClient, user_id: str, amount: str, key: str | None = None, destination: str | None = None
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    body = {"amount_usdc": amount, **({"destination": destination} if destination else {})}
    return api_client.post("/funding/withdrawals", user=user_id, json=body, headers=headers)


def usdc_balance(api_client: ApiClient, address: str) -> Decimal:
    return Decimal(evm_funding.usdc_balance(api_client.stack.evm, address)) / Decimal(10**6)


def usdc_transfers_to(api_client: ApiClient, address: str) -> list[Any]:
    """Every USDC Transfer event to ``address`` on anvil."""
    anvil = deploy(api_client.stack.url("anvil"))
    usdc = anvil.usdc(anvil.web3())
    return list(
        usdc.events.Transfer.get_logs(
            from_block=0, argument_filters={"to": Web3.to_checksum_address(address)}
        )
    )


def hyperliquid_withdrawals(api_client: ApiClient, address: str) -> list[Any]:
    state = api_client.stack.hyperliquid.state
    with state.lock:
        return [w for w in state.withdrawals if w.user.lower() == address.lower()]


def assert_paid_out_once(
    api_client: ApiClient, user_id: str, address: str, operation_id: str, before: Decimal, amount: str
) -> dict[str, Any]:
    operation = settled(api_client, user_id, operation_id)
    assert (operation["stage"], operation["needs_reconciliation"]) == ("completed", False), operation
    (applied,) = hyperliquid_withdrawals(api_client, address)  # exactly one withdrawal on Hyperliquid
    assert (applied.amount, applied.destination.lower()) == (Decimal(amount), address.lower())
    assert usdc_balance(api_client, address) - before == Decimal(amount) - 1  # the bridge keeps 1 USDC
    assert len(operation["tx_hashes"]) == 2  # the Hyperliquid action, then the Arbitrum payout
    return operation


def assert_delivered_once(
    api_client: ApiClient,
    withdrawer: tuple[str, str],
    destination: str,
    operation_id: str,
    before: Decimal,
    amount: str,
) -> dict[str, Any]:
    """One withdrawal on Hyperliquid, its payout through the server wallet (which ends as it was)
    and exactly one delivery of ``amount - 1`` USDC from it to ``destination``: ``completed``."""
    user_id, address = withdrawer
    operation = settled(api_client, user_id, operation_id)
    assert (operation["stage"], operation["needs_reconciliation"]) == ("completed", False), operation
    assert operation["destination"] == destination
    (applied,) = hyperliquid_withdrawals(api_client, address)
    assert (applied.amount, applied.destination.lower()) == (Decimal(amount), address.lower())
    (delivery,) = usdc_transfers_to(api_client, destination)
    assert (delivery.args["from"], delivery.args["value"]) == (address, (Decimal(amount) - 1) * 10**6)
    assert usdc_balance(api_client, destination) == Decimal(amount) - 1
    assert usdc_balance(api_client, address) == before
    assert len(operation["tx_hashes"]) == 3  # the Hyperliquid action, the payout, the delivery
    assert operation["tx_hashes"][2] == "0x" + bytes(delivery.transactionHash).hex()
    return operation


def test_a_withdrawal_through_the_api_pays_out_to_the_server_wallet_less_the_fee(
    api_client: ApiClient, withdrawer: tuple[str, str]
) -> None:
    user_id, address = withdrawer
    before = usdc_balance(api_client, address)
    answer = withdraw(api_client, user_id, "20.5")
    assert answer.status_code == 200, answer.text
    started = answer.json()
    assert (started["kind"], started["amount_usdc"]) == ("withdrawal", "20.5")
    assert_paid_out_once(api_client, user_id, address, started["id"], before, "20.5")
    listed = api_client.get("/funding/operations", user=user_id).json()["operations"]
    assert [o["kind"] for o in listed] == ["withdrawal", "deposit"]


def test_a_withdrawal_above_withdrawable_is_refused_naming_the_available_amount(
    api_client: ApiClient, withdrawer: tuple[str, str]
) -> None:
    user_id, address = withdrawer
    answer = withdraw(api_client, user_id, "60.000001")
    assert answer.status_code == 400, answer.text
    assert "only 60 USDC is withdrawable" in answer.json()["error"]["message"]
    assert withdraw(api_client, user_id, "1").status_code == 400  # not above the bridge's fee
    assert withdraw(api_client, user_id, "2.0000001").status_code == 400  # finer than 6 decimals
    kinds = [o["kind"] for o in api_client.get("/funding/operations", user=user_id).json()["operations"]]
    assert kinds == ["deposit"]
    assert hyperliquid_withdrawals(api_client, address) == []


def test_one_idempotency_key_gives_one_withdrawal(api_client: ApiClient, withdrawer: tuple[str, str]) -> None:
    user_id, address = withdrawer
    before = usdc_balance(api_client, address)
    key = uuid.uuid4().hex
    first, second = withdraw(api_client, user_id, "30", key), withdraw(api_client, user_id, "30", key)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    assert_paid_out_once(api_client, user_id, address, first.json()["id"], before, "30")
    again = withdraw(api_client, user_id, "30", key)  # after the saga ended: the same operation
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["stage"] == "completed"
    assert withdraw(api_client, user_id, "31", key).status_code == 409


def test_an_open_position_does_not_block_withdrawing_the_free_part(
    api_client: ApiClient, withdrawer: tuple[str, str]
) -> None:
    user_id, address = withdrawer
    simulator, url = api_client.stack.hyperliquid, api_client.stack.url("hyperliquid")
    trader = HyperliquidTrader(url, PrivyHyperliquidExchange(evm_signer(user_id), url), address)
    saved_mark = simulator.state.markets["SOL"].mark
    simulator.set_mark("SOL", Decimal(150))
    try:
        trader.open_short("SOL", size=Decimal(1), leverage=5)  # about 30 USDC of margin held
        available = trader.get_withdrawable_balance()
        assert Decimal(20) < available < Decimal(31)
        over = withdraw(api_client, user_id, wire(available + Decimal("0.01")))
        assert over.status_code == 400, over.text
        assert f"only {wire(available)} USDC is withdrawable" in over.json()["error"]["message"]
        before = usdc_balance(api_client, address)
        amount = wire(available.quantize(Decimal("0.01"), rounding="ROUND_DOWN"))
        answer = withdraw(api_client, user_id, amount)
        assert answer.status_code == 200, answer.text
        assert_paid_out_once(api_client, user_id, address, answer.json()["id"], before, amount)
        assert trader.position("SOL") is not None  # the short stays open
    finally:
        simulator.set_mark("SOL", saved_mark)


def test_a_withdrawal_over_withdrawable_by_the_time_it_runs_fails_and_moves_nothing(
    api_client: ApiClient, withdrawer: tuple[str, str]
) -> None:
    """The API checked ``withdrawable``; by the time the saga signs, it is lower: refused before
    signing, the stored nonce is not on Hyperliquid's ledger, so the withdrawal is ``failed``."""
    user_id, address = withdrawer
    transfer_id = f"wd-{uuid.uuid4().hex[:12]}"
    store.create(user_id, transfer_id, "withdrawal", "75")
    sfn = api_client.stack.client("stepfunctions")
    sfn.start_execution(
        stateMachineArn=api_client.stack.resources.state_machines["withdrawal-saga"],
        name=transfer_id,
        input=json.dumps({"user_id": user_id, "transfer_id": transfer_id}),
    )
    operation = settled(api_client, user_id, transfer_id)
    assert (operation["stage"], operation["needs_reconciliation"]) == ("failed", False), operation
    assert "only 60 USDC is withdrawable" in operation["error"]
    assert hyperliquid_withdrawals(api_client, address) == []


CRASHES = [(step, False) for step in task_steps(deliver=False)] + [
    (step, True) for step in task_steps(deliver=True)
]


@pytest.mark.parametrize(
    ("step", "delivered"), CRASHES, ids=[f"{s}-{'delivered' if d else 'paid_out'}" for s, d in CRASHES]
)
def test_a_step_crashing_after_its_side_effect_is_rerun_without_a_second_withdrawal(
    api_client: ApiClient,
    withdrawer: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    step: str,
    delivered: bool,
) -> None:
    """Without a destination and with one (every step through the delivery): one withdrawal, one
    payout and (with a destination) exactly one delivery."""
    user_id, address = withdrawer
    to = str(request.getfixturevalue("destination")) if delivered else None
    before = usdc_balance(api_client, address)
    key = uuid.uuid4().hex
    transfer_id = withdrawal_id(user_id, key)
    crashed: list[str] = []
    monkeypatch.setitem(
        withdrawal_saga.STEPS, step, crash_once_after(withdrawal_saga.STEPS[step], transfer_id, crashed)
    )
    answer = withdraw(api_client, user_id, "15", key, to)
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == transfer_id
    if to is None:
        assert_paid_out_once(api_client, user_id, address, transfer_id, before, "15")
    else:
        assert_delivered_once(api_client, withdrawer, to, transfer_id, before, "15")
    assert crashed == [step]


def test_a_withdrawal_with_a_destination_is_delivered_there_by_the_platform(
    api_client: ApiClient, withdrawer: tuple[str, str], destination: str
) -> None:
    user_id, address = withdrawer
    before = usdc_balance(api_client, address)
    answer = withdraw(api_client, user_id, "25", destination=destination.lower())
    assert answer.status_code == 200, answer.text
    assert answer.json()["destination"] == destination
    assert_delivered_once(api_client, withdrawer, destination, answer.json()["id"], before, "25")


def test_a_destination_that_is_not_registered_is_refused_and_nothing_starts(
    api_client: ApiClient, withdrawer: tuple[str, str], destination: str
) -> None:
    user_id, address = withdrawer
    for elsewhere in (str(Account.create().address), address, "0x1234"):
        answer = withdraw(api_client, user_id, "10", destination=elsewhere)
        assert answer.status_code == 400, answer.text
    assert (
        "not a registered withdrawal address"
        in withdraw(api_client, user_id, "10", destination=str(Account.create().address)).json()["error"][
            "message"
        ]
    )
    kinds = [o["kind"] for o in api_client.get("/funding/operations", user=user_id).json()["operations"]]
    assert kinds == ["deposit"]
    assert hyperliquid_withdrawals(api_client, address) == []
    assert withdraw(api_client, user_id, "10", key="k", destination=destination).status_code == 200
    other = withdraw(api_client, user_id, "10", key="k")  # the same key without the destination
    assert other.status_code == 409, other.text


def test_a_destination_removed_before_the_delivery_leaves_the_payout_in_the_server_wallet(
    api_client: ApiClient,
    withdrawer: tuple[str, str],
    destination: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The user removes the address while the withdrawal runs: nothing is sent there (the saga
    checks, and Privy would refuse), the withdrawal ends ``undelivered`` with the USDC in the
    server wallet."""
    user_id, address = withdrawer
    before = usdc_balance(api_client, address)
    ensure_gas = withdrawal_saga.STEPS["ensure_gas"]

    removals: list[int] = []

    def removed_first(event: Any) -> dict[str, Any]:
        if not removals:  # once: the step may run again (a retried top-up)
            path = f"/funding/withdrawal-addresses/{destination}"
            removals.append(api_client.delete(path, user=user_id).status_code)
        return ensure_gas(event)

    monkeypatch.setitem(withdrawal_saga.STEPS, "ensure_gas", removed_first)
    answer = withdraw(api_client, user_id, "20", destination=destination)
    assert answer.status_code == 200, answer.text
    operation = settled(api_client, user_id, answer.json()["id"])
    assert removals == [200]
    assert (operation["stage"], operation["needs_reconciliation"]) == ("undelivered", False), operation
    assert "no longer a registered withdrawal address" in operation["error"]
    assert usdc_transfers_to(api_client, destination) == []
    assert usdc_balance(api_client, address) - before == Decimal(19)


def test_a_withdraw_that_crashed_before_recording_is_found_on_the_ledger_not_resent(
    api_client: ApiClient, withdrawer: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst moment: Hyperliquid applied the withdraw3, the step died before recording it."""
    user_id, address = withdrawer
    before = usdc_balance(api_client, address)
    crashed = crash_record_sent_once(
        monkeypatch, "crashed after Hyperliquid applied the withdrawal, before recording it"
    )
    answer = withdraw(api_client, user_id, "12")
    assert answer.status_code == 200, answer.text
    assert_paid_out_once(api_client, user_id, address, answer.json()["id"], before, "12")
    assert crashed


def test_a_delivery_that_crashed_before_recording_is_resent_as_the_same_transaction(
    api_client: ApiClient,
    withdrawer: tuple[str, str],
    destination: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Privy broadcast the delivery, the step died before recording its hash: the re-run resends the
    stored transaction under the same Privy key (answered once), never a second delivery."""
    user_id, address = withdrawer
    before = usdc_balance(api_client, address)
    crashed = crash_record_sent_once(
        monkeypatch, "crashed after the delivery was sent, before recording it", "record_delivery"
    )
    answer = withdraw(api_client, user_id, "12", destination=destination)
    assert answer.status_code == 200, answer.text
    assert_delivered_once(api_client, withdrawer, destination, answer.json()["id"], before, "12")
    assert crashed
