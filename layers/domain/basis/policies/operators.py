"""Privy condition operators over request values.

Condition values are strings (or lists of strings for ``in``). Numbers compare numerically
(decimal or 0x-hex on either side); 0x-hex strings such as EVM addresses compare
case-insensitively; everything else compares as exact text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_HEX = re.compile(r"^0x[0-9a-fA-F]*$")
_DECIMAL = re.compile(r"^-?[0-9]+$")

SUPPORTED = ("eq", "gt", "gte", "lt", "lte", "in", "contains", "starts_with", "ends_with")


def as_int(value: object) -> int | None:
    """The integer a request or condition value denotes, or None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _DECIMAL.match(text):
            return int(text)
        if _HEX.match(text) and len(text) > 2:
            return int(text, 16)
    return None


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text.lower() if _HEX.match(text) else text


def _equal(actual: object, expected: str) -> bool:
    # Addresses and other hex strings are text, unless both sides read as numbers of equal value.
    left, right = as_int(actual), as_int(expected)
    if left is not None and right is not None and left == right:
        return True
    return _text(actual) == _text(expected)


def _ordered(test: Callable[[int, int], bool]) -> Callable[[object, object], bool]:
    def compare(actual: object, expected: object) -> bool:
        left, right = as_int(actual), as_int(expected)
        return left is not None and right is not None and test(left, right)

    return compare


_ORDERED = {
    "gt": _ordered(lambda a, b: a > b),
    "gte": _ordered(lambda a, b: a >= b),
    "lt": _ordered(lambda a, b: a < b),
    "lte": _ordered(lambda a, b: a <= b),
}


def compare(operator: str, actual: object, expected: object) -> bool:
    """True when ``actual <operator> expected`` holds; a missing ``actual`` (None) never matches."""
    if actual is None:
        return False
    if operator == "eq":
        return isinstance(expected, str) and _equal(actual, expected)
    if operator == "in":
        return isinstance(expected, list) and any(_equal(actual, item) for item in expected)
    if operator in _ORDERED:
        return _ORDERED[operator](actual, expected)
    if not isinstance(expected, str):
        return False
    text, needle = _text(actual), _text(expected)
    if operator == "contains":
        return needle in text
    if operator == "starts_with":
        return text.startswith(needle)
    if operator == "ends_with":
        return text.endswith(needle)
    raise ValueError(f"unsupported operator {operator!r}")
