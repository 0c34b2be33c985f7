"""The provisioning consumer reports a failed request as a batch item failure (the function's
partial batch response; the function does not fail) and sets when SQS delivers it again: when the
lease of the worker provisioning that user expires, or after the backoff for any other failure.
A handled request is acknowledged and its visibility left alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from basis.platform import sqs_backoff
from basis.platform.errors import ConfigurationError
from basis.wallets import consumer
from basis.wallets.provisioning import ProvisioningInProgressError

EVENT = Path(__file__).resolve().parents[3] / "events" / "sqs_wallets_requested.json"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/basis-dev-provisioning"


class RecordingSqs:
    def __init__(self) -> None:
        self.visibility: list[tuple[str, str, int]] = []

    def get_queue_url(self, QueueName: str, QueueOwnerAWSAccountId: str) -> dict[str, str]:  # noqa: N803
        return {"QueueUrl": f"https://sqs.us-east-1.amazonaws.com/{QueueOwnerAWSAccountId}/{QueueName}"}

    def change_message_visibility(self, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int) -> None:  # noqa: N803
        self.visibility.append((QueueUrl, ReceiptHandle, VisibilityTimeout))


class Provisioning:
    """Stands in for the provisioning service: fails with ``error``, or provisions."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def ensure_wallets_for_user(self, user_id: str) -> None:
        if self.error is not None:
            raise self.error


def invoke(
    monkeypatch: pytest.MonkeyPatch, error: Exception | None, receives: int = 1
) -> tuple[dict[str, Any], list[tuple[str, str, int]], dict[str, Any]]:
    sqs = RecordingSqs()
    monkeypatch.setattr(sqs_backoff, "client", lambda service: sqs)
    monkeypatch.setattr(consumer, "_service", lambda: Provisioning(error))
    event = json.loads(EVENT.read_text())
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(receives)
    answer = consumer.handle_batch(event)
    return dict(answer), sqs.visibility, event["Records"][0]


def test_a_request_while_another_worker_holds_the_lease_comes_back_when_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = ProvisioningInProgressError("did:privy:alice", retry_after=42)
    answer, visibility, record = invoke(monkeypatch, error, receives=3)
    assert answer == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}  # not deleted
    assert visibility == [(QUEUE_URL, record["receiptHandle"], 42)]  # the lease's time left, no backoff


def test_any_other_failure_comes_back_after_the_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    error = ConfigurationError("no server wallet is created without solana_policy_id")
    answer, visibility, record = invoke(monkeypatch, error, receives=3)
    assert answer == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert visibility == [(QUEUE_URL, record["receiptHandle"], 20)]  # 5 s * 2**(3-1)


def test_a_provisioned_request_is_acknowledged(monkeypatch: pytest.MonkeyPatch) -> None:
    answer, visibility, _ = invoke(monkeypatch, None)
    assert answer == {"batchItemFailures": []} and visibility == []
