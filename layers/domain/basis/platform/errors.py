"""The one error hierarchy of the domain package.

Every error a service raises on purpose is a ``BasisError``; its family says what the caller can
do about it, and the API maps each family to one HTTP status in one place (``basis.api.errors``):

* ``NotFoundError`` — the thing does not exist *for this caller* (another user's id is not found);
* ``RefusedError`` — understood and refused; nothing changed. Kinds: ``PolicyRefusedError`` (a
  Privy policy or the local preflight), ``CapRefusedError`` (a spend or size cap),
  ``AmountRefusedError`` (malformed, too precise, too small, more than is there),
  ``ValidationRefusedError`` (any other invalid input);
* ``ConflictError`` — the state moved under the caller (stale version, operation in progress);
* ``TransientError`` — a dependency is not answering now; trying later may succeed;
* ``ConfigurationError`` — the deployment itself is wrong (fails the cold start).

``code`` is the stable machine-readable name in the JSON error body; ``details`` are extra,
JSON-safe facts for the caller (never secrets).
"""

from __future__ import annotations

from typing import Any, ClassVar


class BasisError(Exception):
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __init_subclass__(cls, code: str | None = None, **kwargs: Any) -> None:
        """``class XError(BasisError, code="x")`` names the family; a subclass without one keeps it."""
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code


class NotFoundError(BasisError, code="not_found"): ...


class RefusedError(BasisError, code="refused"): ...


class PolicyRefusedError(RefusedError, code="policy_denied"): ...


class CapRefusedError(RefusedError, code="cap_exceeded"): ...


class AmountRefusedError(RefusedError, code="invalid_amount"): ...


class ValidationRefusedError(RefusedError, code="validation_error"): ...


class InsufficientFundsError(RefusedError, code="insufficient_funds"):
    """The wallet lacks the asset to move or the native coin for the fee; nothing was signed."""


class ConflictError(BasisError, code="conflict"): ...


class TransientError(BasisError, code="unavailable"): ...


class ConfigurationError(BasisError, code="configuration_error"): ...


class UserNotFoundError(NotFoundError, code="user_not_found"):
    """No user row for this id: the caller has not signed in (``POST /api/v1/auth/sync``)."""

    def __init__(self, user_id: str) -> None:
        super().__init__("user not found: sign in first (POST /api/v1/auth/sync)")
        self.user_id = user_id
