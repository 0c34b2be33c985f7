"""Deposit saga steps turn passing DynamoDB trouble into TransientError (retried by the ASL) and
leave permanent errors alone."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import GetError

from basis.platform.errors import TransientError
from basis.transfers import deposit_saga, store
from basis.transfers.deposit_saga import StepInput


def dynamodb_error(code: str) -> GetError:
    cause = ClientError({"Error": {"Code": code, "Message": code}}, "GetItem")
    return GetError("Failed to get item", cause=cause)


@pytest.mark.parametrize("code", sorted(store.RETRIABLE_DYNAMODB_ERRORS))
def test_throttling_becomes_a_transient_error(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def throttled(*args: object, **kwargs: object) -> None:
        raise dynamodb_error(code)

    monkeypatch.setattr(store.Transfer, "get", throttled)
    with pytest.raises(TransientError, match=code):
        deposit_saga.run_step(StepInput(step="validate", user_id="u", transfer_id="t"))


def test_a_permanent_dynamodb_error_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object, **kwargs: object) -> None:
        raise dynamodb_error("AccessDeniedException")

    monkeypatch.setattr(store.Transfer, "get", denied)
    with pytest.raises(GetError):
        deposit_saga.run_step(StepInput(step="validate", user_id="u", transfer_id="t"))
