"""Small helpers shared by the integration and e2e tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from local.runtime.stack import LocalStack


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
    user_id = f"did:privy:{prefix}-{uuid.uuid4().hex[:10]}"
    headers = {"Authorization": f"Bearer {stack.privy.issue_token(user_id)}"}
    api = f"{stack.url('api')}/api/v1"
    assert requests.post(f"{api}/auth/sync", headers=headers, timeout=30).status_code == 200
    wait_for(lambda: requests.get(f"{api}/wallets/server", headers=headers, timeout=30).json()["ready"])
    return user_id


def privy_rpc_calls(stack: LocalStack, wallet_id: str) -> int:
    """How many rpc requests the Privy emulator received for this wallet."""
    log = requests.get(
        f"{stack.url('privy')}/_local/requests", params={"path": f"/v1/wallets/{wallet_id}/rpc"}, timeout=10
    ).json()
    return len(log["requests"])
