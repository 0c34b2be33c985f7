"""Deposit and withdrawal saga steps turn passing trouble (DynamoDB throttling, a venue answering
5xx or 429, or not in time) into TransientError (retried by the ASL) and leave permanent errors
alone."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from pynamodb.exceptions import GetError

from basis.platform.errors import TransientError
from basis.signing.errors import SigningError
from basis.transfers import deposit_saga, store, withdrawal_saga
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


def http_error(status: int) -> requests.HTTPError:
    answer = requests.Response()
    answer.status_code = status
    return requests.HTTPError(f"{status} for url: http://hyperliquid/info", response=answer)


@pytest.mark.parametrize(
    "error",
    [http_error(503), http_error(429), requests.Timeout("read timed out"), requests.ConnectionError()],
)
@pytest.mark.parametrize("saga", [deposit_saga, withdrawal_saga], ids=["deposit", "withdrawal"])
def test_a_venue_that_is_down_for_now_is_retried_not_failed(
    saga: Any, error: Exception, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the fault soak: a Hyperliquid 503 on /info in a withdrawal step failed the withdrawal."""

    def venue_down(step: object) -> dict[str, Any]:
        raise error

    step = "check_credit" if saga is deposit_saga else "withdraw"
    monkeypatch.setitem(saga.STEPS, step, venue_down)
    with pytest.raises(TransientError):
        saga.run_step(saga.StepInput(step=step, user_id="u", transfer_id="t"))


def test_a_venue_refusing_the_request_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(step: object) -> dict[str, Any]:
        raise http_error(400)

    monkeypatch.setitem(withdrawal_saga.STEPS, "withdraw", refused)
    with pytest.raises(requests.HTTPError):
        withdrawal_saga.run_step(withdrawal_saga.StepInput(step="withdraw", user_id="u", transfer_id="t"))


@pytest.mark.parametrize(("retriable", "raised"), [(True, TransientError), (False, SigningError)])
def test_a_signing_error_is_retried_only_when_worth_retrying(
    retriable: bool, raised: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    def signer_trouble(step: object) -> dict[str, Any]:
        raise SigningError("privy answered 503", retriable=retriable)

    monkeypatch.setitem(deposit_saga.STEPS, "send", signer_trouble)
    with pytest.raises(raised) as caught:
        deposit_saga.run_step(StepInput(step="send", user_id="u", transfer_id="t"))
    assert isinstance(caught.value, TransientError) is retriable
