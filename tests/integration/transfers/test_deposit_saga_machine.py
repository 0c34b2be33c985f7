"""state_machines/deposit_saga.asl.json executed by moto's Step Functions executor, whose Lambda
tasks run the real deposit_saga handler in-process through the shim."""

import json
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest

from basis.models import Transfer
from basis.signing import caps
from basis.transfers import store
from local.runtime.stack import LocalStack


def run(stack: LocalStack, user_id: str, transfer_id: str, name: str | None = None) -> dict[str, Any]:
    sfn = stack.client("stepfunctions")
    started = sfn.start_execution(
        stateMachineArn=stack.resources.state_machines["deposit-saga"],
        name=name or transfer_id,
        input=json.dumps({"user_id": user_id, "transfer_id": transfer_id}),
    )
    deadline = time.monotonic() + 60
    while True:
        described = sfn.describe_execution(executionArn=started["executionArn"])
        if described["status"] != "RUNNING":
            return dict(described)
        assert time.monotonic() < deadline, "execution did not finish"
        time.sleep(0.1)


def new_deposit(amount: str) -> tuple[str, str]:
    user_id, transfer_id = f"did:privy:{uuid.uuid4().hex[:8]}", f"dep-{uuid.uuid4().hex[:10]}"
    store.create(user_id, transfer_id, "deposit", amount)
    return user_id, transfer_id


def test_a_failure_before_any_funds_moved_marks_the_deposit_failed(stack: LocalStack) -> None:
    user_id, transfer_id = new_deposit("100")  # valid, but the user has no wallet: EnsureGas fails
    result = run(stack, user_id, transfer_id)
    assert (result["status"], result["error"]) == ("FAILED", "DepositFailed")
    transfer = Transfer.get(user_id, transfer_id)
    assert (transfer.stage, transfer.needs_reconciliation) == ("failed", None)
    assert "sign in first" in transfer.error
    assert caps.usage(user_id, "USDC").total == 0  # Validate's cap reservation was released


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        ("3", "below the bridge minimum"),
        ("30000", "MAX_AUTO_BRIDGE_USDC"),
        ("5.0000001", "more than 6 decimals"),
    ],
)
def test_invalid_deposit_fails_through_the_choice_state(stack: LocalStack, amount: str, why: str) -> None:
    user_id, transfer_id = new_deposit(amount)
    result = run(stack, user_id, transfer_id)
    assert (result["status"], result["error"]) == ("FAILED", "DepositRejected")
    transfer = Transfer.get(user_id, transfer_id)
    assert transfer.stage == "rejected"
    assert why in transfer.error


def test_handler_error_is_caught_with_its_error_name(stack: LocalStack) -> None:
    before = stack.lambdas.invocations["deposit_saga"]
    result = run(stack, "did:privy:nobody", f"dep-missing-{uuid.uuid4().hex[:6]}")
    assert (result["status"], result["error"]) == ("FAILED", "DepositFailed")
    # Validate raised UnknownTransferError (not retried: not transient), then MarkFailed ran once.
    assert stack.lambdas.invocations["deposit_saga"] - before == 2


def test_a_second_start_for_the_same_transfer_is_rejected(stack: LocalStack) -> None:
    user_id, transfer_id = new_deposit("3")
    assert run(stack, user_id, transfer_id)["status"] == "FAILED"
    sfn = stack.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        run(stack, user_id, transfer_id)


def test_the_amount_is_stored_and_read_back_exactly(stack: LocalStack) -> None:
    exact = Decimal("12345678901234.123456")  # more digits than a float holds
    user_id, transfer_id = new_deposit(str(exact))
    transfer = store.get(user_id, transfer_id)
    assert transfer is not None and transfer.amount_usdc == exact
