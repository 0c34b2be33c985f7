"""Small helpers shared by the integration and e2e tests."""

from __future__ import annotations

import json
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


def function_log(stack: LocalStack, function: str) -> list[dict[str, Any]]:
    """The JSON lines ``function`` logged so far (none before it first ran)."""
    path = stack.log_dir / "functions" / f"{function}.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def job_outcomes(stack: LocalStack, job: str, user_id: str) -> list[str]:
    """The outcomes ``job``'s worker (scan, monitor) logged for this user, oldest first."""
    return [
        line["outcome"]
        for line in function_log(stack, f"{job}_worker")
        if line.get("message") == f"{job} outcome" and line.get("user_id") == user_id
    ]


def scan_outcomes(stack: LocalStack, user_id: str) -> list[str]:
    """The scan worker's outcomes for this user, oldest first."""
    return job_outcomes(stack, "scan", user_id)


def slot_tally(job: str, slot: str) -> dict[str, int]:
    """``job``'s heartbeat counts for ``slot`` (queued, each outcome, the monitor's exits by reason)
    once every message of the slot was evaluated; empty until then."""
    from basis.platform import heartbeat

    counts = heartbeat.counts(job, slot)
    evaluated = sum(n for key, n in counts.items() if key != "queued" and not key.startswith("exit:"))
    return counts if counts and evaluated == counts.get("queued") else {}


def scan_tally(slot: str) -> dict[str, int]:
    return slot_tally("scan", slot)
