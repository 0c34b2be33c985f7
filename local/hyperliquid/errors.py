"""The error every refused action raises; its message is Hyperliquid's ``{"status": "err"}`` text."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


class ActionError(ValueError):
    """Refused action; the message is what Hyperliquid answers in ``{"status": "err"}``."""


def parse_decimal(raw: Any, what: str) -> Decimal:
    """A finite decimal from a wire string (or number), else ``ActionError``."""
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ActionError(f"invalid {what}: {raw!r}") from exc
    if not value.is_finite():
        raise ActionError(f"invalid {what}: {raw!r}")
    return value
