"""A window another request's commit transaction holds refuses writes with a conflict (DynamoDB does
not queue them): the reservation's update is tried again a few milliseconds later, a bounded number
of times, and a condition failure is never retried (the caller reads the window)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import UpdateError

from basis.signing import ledger


def refusal(code: str) -> UpdateError:
    return UpdateError("refused", cause=ClientError({"Error": {"Code": code, "Message": code}}, "UpdateItem"))


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    waited: list[int] = []
    monkeypatch.setattr(ledger, "_wait_for_transaction", waited.append)
    return waited


def answers(monkeypatch: pytest.MonkeyPatch, *script: UpdateError | None) -> list[Any]:
    """``SpendWindow.update`` raising (or, for None, applying) each answer in turn."""
    steps, calls = list(script), []

    def update(item: Any, actions: list[Any], condition: Any = None, **_: Any) -> None:
        calls.append(actions)
        step = steps.pop(0)
        if step is not None:
            raise step
        item.reservations = {"r1": {"amount": 5, "expires": 100}}

    monkeypatch.setattr(ledger.SpendWindow, "update", update)
    return calls


def test_a_conflict_is_tried_again_until_the_update_goes_through(
    monkeypatch: pytest.MonkeyPatch, waits: list[int]
) -> None:
    conflict = refusal(ledger.TRANSACTION_CONFLICT)
    calls = answers(monkeypatch, conflict, conflict, None)
    window = ledger.add_reservation("u1", "USDC", "r1", 5, expires=100, cap=10)
    assert window is not None and window.reservations == {"r1": {"amount": 5, "expires": 100}}
    assert len(calls) == 3 and waits == [0, 1]


def test_conflicts_that_last_end_in_the_error(monkeypatch: pytest.MonkeyPatch, waits: list[int]) -> None:
    answers(monkeypatch, *[refusal(ledger.TRANSACTION_CONFLICT)] * ledger.CONFLICT_TRIES)
    with pytest.raises(UpdateError):
        ledger.add_reservation("u1", "USDC", "r1", 5, expires=100, cap=10)
    assert len(waits) == ledger.CONFLICT_TRIES - 1


def test_a_condition_failure_is_answered_at_once(monkeypatch: pytest.MonkeyPatch, waits: list[int]) -> None:
    calls = answers(monkeypatch, refusal("ConditionalCheckFailedException"))
    assert ledger.add_reservation("u1", "USDC", "r1", 5, expires=100, cap=10) is None
    assert len(calls) == 1 and waits == []
