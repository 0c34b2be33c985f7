"""The deposit saga retries Validate only on transient errors (Lambda's own and TransientError)."""

from __future__ import annotations

import json

from infra.catalog import STATE_MACHINES
from tests.unit.asl import TRANSIENT


def test_validate_retries_exactly_the_transient_errors() -> None:
    (saga,) = [m for m in STATE_MACHINES if m.name == "deposit-saga"]
    validate = json.loads(saga.path.read_text())["States"]["Validate"]
    (retry,) = validate["Retry"]
    assert retry["ErrorEquals"] == TRANSIENT
    # Everything else (a rejected or broken deposit) goes to Catch at once, never retried.
    assert all(c["ErrorEquals"] != TRANSIENT for c in validate.get("Catch", []))
