"""Every domain error family maps to one status and the one error shape."""

from __future__ import annotations

import pytest

from basis.api.errors import error_response, status_of
from basis.platform.errors import (
    AmountRefusedError,
    BasisError,
    CapRefusedError,
    ConfigurationError,
    ConflictError,
    PolicyRefusedError,
    TransientError,
    UserNotFoundError,
    ValidationRefusedError,
)
from basis.signing.errors import (
    CircuitOpenError,
    OutcomeUnknownError,
    PolicyDeniedError,
    SigningError,
    SpendCapExceededError,
)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (UserNotFoundError("did:privy:a"), 404, "user_not_found"),
        (PolicyRefusedError("no"), 403, "policy_denied"),
        (AmountRefusedError("too precise"), 400, "invalid_amount"),
        (ValidationRefusedError("bad"), 400, "validation_error"),
        (CapRefusedError("over"), 422, "cap_exceeded"),
        (ConflictError("stale"), 409, "conflict"),
        (TransientError("later"), 503, "unavailable"),
        (ConfigurationError("broken"), 500, "configuration_error"),
        (PolicyDeniedError("denied", explanation="rule x"), 403, "policy_denied"),
        (SpendCapExceededError("USDC", used=1, amount=2, cap=2), 422, "cap_exceeded"),
        (CircuitOpenError(4.2), 503, "signing_paused"),
        (SigningError("privy said no", retriable=False), 502, "signing_failed"),
        (SigningError("privy 503", retriable=True), 503, "signing_failed"),
        (OutcomeUnknownError("timeout", idempotency_key="k"), 502, "outcome_unknown"),
    ],
)
def test_each_family_has_one_status(error: BasisError, status: int, code: str) -> None:
    assert (status_of(error), error.code) == (status, code)


def test_the_body_carries_code_message_and_details_but_no_nones() -> None:
    error = SpendCapExceededError("USDC", used=10, amount=5, cap=12)
    response = error_response(status_of(error), error.code, error.message, **error.details)
    assert response.status_code == 422
    assert response.body == {
        "error": {
            "code": "cap_exceeded",
            "message": "USDC daily cap: 10 used + 5 requested > 12 (base units)",
            "asset": "USDC",
            "used": "10",
            "requested": "5",
            "cap": "12",
        }
    }
    denied = PolicyDeniedError("denied", explanation="no rule allows it")
    body = error_response(403, denied.code, denied.message, **denied.details).body
    assert body == {
        "error": {
            "code": "policy_denied",
            "message": "policy denied: denied",
            "explanation": "no rule allows it",
        }
    }
