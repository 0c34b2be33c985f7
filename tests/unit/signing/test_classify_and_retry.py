"""Failure classification and the retry schedule of ``PrivyWalletSigner``, with an in-memory breaker,
a scripted wallet service and a fake sleep (no network, no DynamoDB: typed data moves no capped asset)."""

from __future__ import annotations

import random
from typing import Any

import httpx
import privy
import pytest

from basis.signing import signer as signer_module
from basis.signing.classify import backoff_delay, classify, is_policy_denial
from basis.signing.errors import CircuitOpenError, OutcomeUnknownError, PolicyDeniedError, SigningError
from basis.signing.settings import SigningSettings
from basis.signing.signer import PrivyWalletSigner
from tests.unit.policies.requests_factory import hl_order_typed_data
from tests.unit.signing.fakes import URL, FakeBreaker, ScriptedWallets, status_error


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (status_error(400, {"error": "Policy violation", "code": "policy_violation"}), "policy_denied"),
        (status_error(403, {"error": "Request denied: policy_violation"}), "policy_denied"),
        (status_error(400, {"error": {"code": "policy_violation", "message": "denied"}}), "policy_denied"),
        (status_error(500, {"error": "policy violation"}), "transient"),  # a 5xx is never a denial
        (status_error(503, {"error": "unavailable"}), "transient"),
        (status_error(502, None), "transient"),
        (status_error(429, {"error": "rate limited"}), "transient"),
        (status_error(408, {"error": "timeout"}), "transient"),
        (privy.APITimeoutError(request=httpx.Request("POST", URL)), "transient"),
        (privy.APIConnectionError(request=httpx.Request("POST", URL)), "transient"),
        (status_error(400, {"error": "EVM RPC eth_sendRawTransaction: nonce too low"}), "stale_nonce"),
        (status_error(400, {"error": "replacement transaction underpriced"}), "stale_nonce"),
        (status_error(400, {"error": "invalid params"}), "permanent"),
        (status_error(404, {"error": "wallet not found"}), "permanent"),
        (status_error(401, {"error": "bad app secret"}), "permanent"),
        (ValueError("boom"), "permanent"),
    ],
)
def test_classification(exc: BaseException, kind: str) -> None:
    assert classify(exc).kind == kind


def test_only_transient_and_credential_failures_count_for_the_breaker() -> None:
    assert classify(status_error(503, {})).counts_for_breaker
    assert classify(status_error(401, {})).counts_for_breaker
    assert not classify(status_error(400, {"code": "policy_violation"})).counts_for_breaker
    assert not classify(status_error(400, {"error": "bad request"})).counts_for_breaker
    assert not is_policy_denial(None, {"code": "policy_violation"})


def test_backoff_is_exponential_capped_and_jitter_stays_within_its_fraction() -> None:
    exact = SigningSettings(retry_jitter=0)
    assert [backoff_delay(exact, n) for n in range(5)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    jittery = SigningSettings(retry_jitter=0.5)
    rng = random.Random(7)
    delays = [backoff_delay(jittery, 1, rng) for _ in range(200)]
    assert all(2.0 <= d <= 3.0 for d in delays) and len(set(delays)) > 100


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    recorded: list[Any] = []
    monkeypatch.setattr(signer_module.telemetry, "record", lambda event, **_: recorded.append(event))
    return recorded


def rig(
    *script: BaseException | str, breaker: FakeBreaker | None = None, **settings: Any
) -> tuple[PrivyWalletSigner, ScriptedWallets, FakeBreaker, list[float]]:
    wallets, fake_breaker = ScriptedWallets(*script), breaker or FakeBreaker()
    sleeps: list[float] = []
    signer = PrivyWalletSigner(
        "did:privy:u1",
        "w1",
        "0xabc",
        "ethereum",
        breaker=fake_breaker,
        settings=SigningSettings(retry_jitter=0, **settings),
        wallet_service=wallets,
        authorization_key="",
        sleep=sleeps.append,
    )
    return signer, wallets, fake_breaker, sleeps


ORDER = hl_order_typed_data()["typed_data"]


def test_two_503s_then_success_waits_1s_then_2s_with_one_idempotency_key(events: list[Any]) -> None:
    signer, wallets, breaker, sleeps = rig(status_error(503, {}), status_error(503, {}), "0xsig")
    assert signer.sign_typed_data_v4(ORDER, action="order") == "0xsig"
    assert sleeps == [1.0, 2.0]
    assert len(set(wallets.idempotency_keys)) == 1 and len(wallets.bodies) == 3
    assert (breaker.failures, breaker.successes) == (2, 1)
    assert [e.result for e in events] == ["success"]
    assert wallets.bodies[0]["method"] == "eth_signTypedData_v4"
    assert wallets.bodies[0]["chain_type"] == "ethereum"


def test_retries_exhausted_raise_a_retriable_signing_error(events: list[Any]) -> None:
    signer, wallets, breaker, sleeps = rig(
        *[status_error(429, {})] * 4, retry_attempts=4, retry_base_delay=0.5, retry_max_delay=1.0
    )
    with pytest.raises(SigningError) as caught:
        signer.sign_typed_data_v4(ORDER)
    assert caught.value.retriable and caught.value.status == 429
    assert sleeps == [0.5, 1.0, 1.0] and len(wallets.bodies) == 4 and breaker.failures == 4
    assert [e.result for e in events] == ["error"]


def test_a_privy_policy_denial_is_not_retried_and_not_a_breaker_failure(events: list[Any]) -> None:
    denial = status_error(400, {"error": "Policy violation", "code": "policy_violation"})
    signer, wallets, breaker, sleeps = rig(denial)
    with pytest.raises(PolicyDeniedError) as caught:
        signer.sign_typed_data_v4(ORDER)
    assert not caught.value.preflight and not caught.value.retriable
    assert "no local copy" in caught.value.explanation
    assert len(wallets.bodies) == 1 and sleeps == [] and breaker.failures == 0
    assert [e.result for e in events] == ["policy_denied"]


def test_other_4xx_fail_at_once_as_not_retriable(events: list[Any]) -> None:
    signer, wallets, _, _ = rig(status_error(400, {"error": "bad params"}))
    with pytest.raises(SigningError) as caught:
        signer.sign_typed_data_v4(ORDER)
    assert not caught.value.retriable and caught.value.status == 400 and len(wallets.bodies) == 1
    assert [e.result for e in events] == ["error"]


def test_a_breaker_opening_between_attempts_stops_the_retries(events: list[Any]) -> None:
    signer, wallets, _, _ = rig(status_error(503, {}), "0xsig", breaker=FakeBreaker(open_after=1))
    with pytest.raises(CircuitOpenError):
        signer.sign_typed_data_v4(ORDER)
    assert len(wallets.bodies) == 1
    assert [e.result for e in events] == ["circuit_open"]


PLAIN_TX = {"to": "0x1111111111111111111111111111111111111111", "value": 0, "chain_id": 42161, "nonce": 0}


def test_a_send_without_a_definitive_answer_is_outcome_unknown_not_retriable(events: list[Any]) -> None:
    signer, wallets, _, _ = rig(*[status_error(503, {})] * 3)
    with pytest.raises(OutcomeUnknownError) as caught:
        signer.send_eth_transaction(PLAIN_TX, idempotency_key="transfer-42")
    assert not caught.value.retriable and caught.value.idempotency_key == "transfer-42"
    assert wallets.idempotency_keys == ["transfer-42"] * 3  # the caller's key, on every attempt


def test_a_send_refused_before_processing_stays_retriable(events: list[Any]) -> None:
    signer, _, _, _ = rig(*[status_error(429, {})] * 3)
    with pytest.raises(SigningError) as caught:
        signer.send_eth_transaction(PLAIN_TX)
    assert caught.value.retriable and not isinstance(caught.value, OutcomeUnknownError)


def test_a_breaker_opening_after_a_failed_send_attempt_is_outcome_unknown(events: list[Any]) -> None:
    signer, _, _, _ = rig(status_error(503, {}), "0xsig", breaker=FakeBreaker(open_after=1))
    with pytest.raises(OutcomeUnknownError):
        signer.send_eth_transaction(PLAIN_TX)


def test_a_definitive_privy_answer_ends_the_breakers_failure_streak(events: list[Any]) -> None:
    denial = status_error(400, {"error": "Policy violation", "code": "policy_violation"})
    signer, _, breaker, _ = rig(denial)
    with pytest.raises(PolicyDeniedError):
        signer.sign_typed_data_v4(ORDER)
    assert (breaker.failures, breaker.successes) == (0, 1)
