"""What the API accepts before any route sees a request: one media type, UTF-8, a bounded JSON object.

API Gateway forwards whatever a client sends. Without this guard, a multipart type with no
boundary, a 5,000-digit number, 1,000 nested arrays or a non-UTF-8 body reached Powertools' parser
and ended as a 5xx; an array, ``application/jsonx`` or a form body was accepted. Every refusal here
is a 4xx in the API's error shape, and nothing runs after it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 16
MAX_NUMBER_CHARS = 40
JSON_MEDIA_TYPE = "application/json"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


class _BadJSONError(ValueError):
    pass


def _number(text: str) -> int | float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadJSONError(f"a number longer than {MAX_NUMBER_CHARS} characters")
    return float(text) if any(c in text for c in ".eE") else int(text)


def _constant(name: str) -> Any:
    raise _BadJSONError(f"{name} is not JSON")


def _depth(text: str) -> int:
    """Deepest nesting of arrays/objects, outside strings; computed before parsing (no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_object(text: str) -> dict[str, Any]:
    """A JSON object within the limits, or ``ValueError`` saying what is wrong."""
    if _depth(text) > MAX_DEPTH:
        raise _BadJSONError(f"nested deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise _BadJSONError(f"not valid JSON ({exc.msg} at position {exc.pos})") from exc
    if not isinstance(value, dict):
        raise _BadJSONError("the body must be a JSON object")
    return value


def _media_type(header: str | None) -> tuple[str, dict[str, str]]:
    kind, _, rest = (header or "").partition(";")
    params = {}
    for part in rest.split(";"):
        key, _, value = part.partition("=")
        if key.strip():
            params[key.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), params


def _raw_body(event: APIGatewayProxyEvent) -> bytes:
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return b"\xff"  # not decodable: refused below as not UTF-8
    return body.encode("utf-8", errors="surrogatepass")


def refusal(event: APIGatewayProxyEvent) -> Refusal | None:
    """Why this request is refused before routing, or ``None`` when it may go on."""
    content_type = event.headers.get("content-type") if event.headers else None
    raw = _raw_body(event)
    if not raw and content_type is None:
        return None
    if event.http_method.upper() not in BODY_METHODS:
        return Refusal(400, "unexpected_body", f"{event.http_method} requests take no body") if raw else None
    kind, params = _media_type(content_type)
    if kind != JSON_MEDIA_TYPE or params.get("charset", "utf-8") != "utf-8":
        return Refusal(415, "unsupported_media_type", "send the body as application/json (UTF-8)")
    if len(raw) > MAX_BODY_BYTES:
        return Refusal(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
    if not raw:
        return None
    try:
        parse_object(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Refusal(400, "invalid_body", "the body is not UTF-8")
    except ValueError as exc:
        return Refusal(400, "invalid_body", str(exc))
    return None
