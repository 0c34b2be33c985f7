"""Provisioning through the queue on the local stack (sign-in, EventBridge, SQS, the provisioning
function, the Privy emulator): it fails closed while a Privy id is missing, and keeps a request
whose user another worker is provisioning until that worker's lease expires. After the sign-in the
user calls nothing: the wallets appear because the message is kept, not because the user polls."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from basis.models import User
from basis.platform import leases
from basis.privy.ids import PrivyIds, store_privy_ids
from local.runtime.stack import LocalStack
from tests.api_client import ApiClient, new_user_id
from tests.helpers import wait_for


def sign_in(stack: LocalStack, user_id: str) -> None:
    """The user's one API call: sign-in publishes WalletsRequested."""
    assert ApiClient(stack).post("/auth/sync", user=user_id).json()["wallets_provisioning"] is True


def wallets_at_privy(stack: LocalStack) -> set[str]:
    answer = requests.get(f"{stack.url('privy')}/_local/wallets", timeout=10).json()
    return {w["id"] for w in answer["wallets"]}


def logged(stack: LocalStack, message: str, user_id: str) -> list[dict[str, Any]]:
    """The provisioning function's log lines with this message about this user."""
    path = stack.log_dir / "functions" / "provision_wallets.log"
    if not path.exists():  # the function has not run yet
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("message") == message and line.get("user_id") == user_id]


def wallets_ready(user_id: str) -> bool:
    return bool(User.get(user_id).wallets_ready)  # read from the table: no API call


@pytest.fixture
def privy_ids(stack: LocalStack) -> Iterator[PrivyIds]:
    """The stack's ids, written back to the SSM parameter whatever the test did to it."""
    ids: PrivyIds = stack.privy_ids
    try:
        yield ids
    finally:
        store_privy_ids(ids)


@pytest.mark.parametrize("missing", ["solana_policy_id", "key_quorum_id"])
def test_provisioning_fails_closed_while_an_id_is_missing_and_retries_once_it_is_set(
    stack: LocalStack, privy_ids: PrivyIds, missing: str
) -> None:
    before = wallets_at_privy(stack)
    store_privy_ids(privy_ids.model_copy(update={missing: None}))
    user_id = new_user_id("queue")
    sign_in(stack, user_id)

    refused = "provisioning refused: Privy ids missing, no wallet created"
    refusal = wait_for(lambda: logged(stack, refused, user_id))
    assert refusal[0]["missing"] == [missing]
    assert wallets_at_privy(stack) == before  # nothing created at Privy, not even the EVM wallet
    assert not wallets_ready(user_id)

    store_privy_ids(privy_ids)
    # The refused message was kept: it comes back after its backoff and provisioning completes.
    wait_for(lambda: wallets_ready(user_id), timeout=30)
    user = User.get(user_id)
    assert {user.evm_wallet_id, user.solana_wallet_id} <= wallets_at_privy(stack) - before


def test_a_dead_workers_lease_delays_the_wallets_until_it_expires_without_the_user_polling(
    stack: LocalStack,
) -> None:
    user_id = new_user_id("queue")
    # A worker took the lease and died at its timeout: nobody releases it, it just expires.
    lease_seconds = 6
    taken_at = int(time.time())
    leases.acquire(f"provision#{user_id}", lease_seconds, owner="dead-worker", now=taken_at)
    expires_at = taken_at + lease_seconds
    sign_in(stack, user_id)

    deferred = "provisioning in progress elsewhere: retried when its lease expires"
    deferral = wait_for(lambda: logged(stack, deferred, user_id))
    assert 0 < deferral[0]["retry_after"] <= lease_seconds
    assert not wallets_ready(user_id)

    # No API call from here on: the kept message comes back when the lease expires.
    wait_for(lambda: wallets_ready(user_id), timeout=lease_seconds + 20)
    assert time.time() >= expires_at
