"""Waiting for a funding operation through the API, as a client would."""

from __future__ import annotations

import time
from typing import Any

from tests.api_client import ApiClient

# A deposit ends hl_credited, a withdrawal completed; either may fail (or be rejected) before funds
# move; a withdrawal whose payout was not delivered to its destination ends undelivered.
FINAL_STAGES = frozenset({"hl_credited", "completed", "failed", "rejected", "undelivered"})


def settled(api_client: ApiClient, user_id: str, operation_id: str, timeout: float = 90) -> dict[str, Any]:
    """The operation once final (or marked for the reconciler)."""
    deadline = time.monotonic() + timeout
    while True:
        operation: dict[str, Any] = api_client.get(f"/funding/operations/{operation_id}", user=user_id).json()
        if operation["stage"] in FINAL_STAGES or operation["needs_reconciliation"]:
            return operation
        assert time.monotonic() < deadline, f"{operation['kind']} stuck at {operation['stage']}"
        time.sleep(0.2)
