"""Small helpers shared by the integration and e2e tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from local.runtime.stack import LocalStack
from tests.api_client import ApiClient, new_user_id


def wait_for(condition: Callable[[], Any], timeout: float = 30, poll: float = 0.2) -> Any:
    """Poll ``condition`` until it returns something truthy; fails the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(poll)


def sign_in(stack: LocalStack, prefix: str = "user") -> str:
    """A user who signed in through the API; returns once provisioning stored both wallets."""
    api = ApiClient(stack)
    user_id = new_user_id(prefix)
    assert api.post("/auth/sync", user=user_id).status_code == 200
    wait_for(lambda: api.get("/wallets/server", user=user_id).json()["ready"])
    return user_id


def privy_rpc_calls(stack: LocalStack, wallet_id: str) -> int:
    """How many rpc requests the Privy emulator received for this wallet."""
    log = requests.get(
        f"{stack.url('privy')}/_local/requests", params={"path": f"/v1/wallets/{wallet_id}/rpc"}, timeout=10
    ).json()
    return len(log["requests"])
