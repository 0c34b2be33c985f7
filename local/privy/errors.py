"""Privy's error answer: ``{"error": "<message>", "code": "<code>"}`` with the HTTP status Privy uses."""

from __future__ import annotations

from typing import Any


class PrivyError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "code": self.code}


def invalid(message: str) -> PrivyError:
    return PrivyError(400, "invalid_data", message)


def not_found(kind: str, ident: str) -> PrivyError:
    return PrivyError(404, "not_found", f"{kind} {ident} not found")


def unauthorized(code: str, message: str) -> PrivyError:
    return PrivyError(401, code, message)
