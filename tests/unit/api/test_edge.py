"""The edge guard on synthetic API Gateway events (the gateway-level cases are integration tests)."""

from __future__ import annotations

import base64

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from basis.api.edge import MAX_DEPTH, parse_object, refusal


def event(
    method: str, body: str | None, content_type: str | None, *, b64: bool = False
) -> APIGatewayProxyEvent:
    headers = {"Content-Type": content_type} if content_type else {}
    return APIGatewayProxyEvent(
        {
            "httpMethod": method,
            "path": "/api/v1/auth/sync",
            "headers": headers,
            "body": body,
            "isBase64Encoded": b64,
        }
    )


def test_no_body_and_no_content_type_goes_on() -> None:
    assert refusal(event("POST", None, None)) is None
    assert refusal(event("GET", None, None)) is None


def test_a_json_object_goes_on() -> None:
    assert refusal(event("POST", '{"email": "a@b.io"}', "application/json")) is None
    assert refusal(event("POST", '{"a": 1.5e3}', "application/json; charset=utf-8")) is None


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"a": 1}', None, 415),
        ("", "multipart/form-data", 415),
        ('{"a": 1}', "application/jsonx", 415),
        ('{"a": 1}', "application/json; charset=iso-8859-1", 415),
        ("[1]", "application/json", 400),
        ('"text"', "application/json", 400),
        ('{"a": ' + "1" * 41 + "}", "application/json", 400),
        ('{"a": Infinity}', "application/json", 400),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "application/json", 400),
    ],
)
def test_refusals(body: str, content_type: str | None, status: int) -> None:
    refused = refusal(event("POST", body, content_type))
    assert refused is not None and refused.status == status


def test_a_base64_body_must_be_utf8() -> None:
    latin1 = base64.b64encode('{"e": "café"}'.encode("latin-1")).decode()
    refused = refusal(event("POST", latin1, "application/json", b64=True))
    assert refused is not None and (refused.status, refused.message) == (400, "the body is not UTF-8")
    utf8 = base64.b64encode('{"e": "café"}'.encode()).decode()
    assert refusal(event("POST", utf8, "application/json", b64=True)) is None


def test_depth_ignores_brackets_inside_strings() -> None:
    assert parse_object('{"a": "' + "[" * 100 + '\\" ]"}') == {"a": "[" * 100 + '" ]'}
