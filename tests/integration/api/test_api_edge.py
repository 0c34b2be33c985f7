"""The API edge, attacked as a client could: every case answers a 4xx in the error shape, and
nothing is stored (through the real local gateway, authorizer and API handler)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from basis.identity.tokens import MAX_CLOCK_LEEWAY_SECONDS
from basis.models import User
from tests.api_client import ApiClient, new_user_id


def error_of(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    body = answer.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return dict(body["error"])


def nobody_stored(user_id: str) -> bool:
    return User.count(user_id) == 0


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("multipart/form-data", b"", 415, "unsupported_media_type"),
        ("multipart/form-data; boundary=xyz", b'--xyz\r\n\r\n{"email":"a@b.io"}\r\n--xyz--', 415, None),
        ("application/jsonx", b'{"email": "a@b.io"}', 415, None),
        ("application/x-www-form-urlencoded", b"email=a%40b.io", 415, None),
        ("text/plain", b'{"email": "a@b.io"}', 415, None),
        ("application/json; charset=latin-1", b'{"email": "a@b.io"}', 415, None),
        ("application/json", b'{"n": ' + b"9" * 5000 + b"}", 400, "invalid_body"),
        ("application/json", b"[" * 1000 + b"]" * 1000, 400, "invalid_body"),
        ("application/json", b'{"email": "caf\xe9@b.io"}', 400, "invalid_body"),
        ("application/json", b'[{"email": "a@b.io"}]', 400, "invalid_body"),
        ("application/json", b"null", 400, "invalid_body"),
        ("application/json", b'{"n": NaN}', 400, "invalid_body"),
        ("application/json", b'{"email": ', 400, "invalid_body"),
        ("application/json", b'{"email": "a\\u0000b@b.io"}', 422, "validation_error"),
        ("application/json", b'{"email": "a\\u0007@b.io"}', 422, "validation_error"),
        ("application/json", b'{"email": "a@b.io", "admin": true}', 422, "validation_error"),
    ],
)
def test_bodies_outside_the_schema_are_refused_and_store_nothing(
    api_client: ApiClient, content_type: str, body: bytes, status: int, code: str | None
) -> None:
    user_id = new_user_id("edge")
    answer = api_client.post("/auth/sync", user=user_id, data=body, headers={"Content-Type": content_type})
    error = error_of(answer, status)
    if code:
        assert error["code"] == code
    assert "Traceback" not in answer.text and "Error:" not in error["message"]
    assert nobody_stored(user_id)


def test_a_body_over_the_limit_is_413(api_client: ApiClient) -> None:
    user_id = new_user_id("edge")
    big = json.dumps({"email": "a@b.io", "pad": "x" * 70_000}).encode()
    error = error_of(
        api_client.post("/auth/sync", user=user_id, data=big, headers={"Content-Type": "application/json"}),
        413,
    )
    assert error["code"] == "payload_too_large"
    assert nobody_stored(user_id)


def test_a_well_formed_body_still_signs_in(api_client: ApiClient) -> None:
    user_id = new_user_id("edge")
    answer = api_client.post(
        "/auth/sync",
        user=user_id,
        data=b'{"email": "ok@example.com"}',
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert answer.status_code == 200 and answer.json()["created"] is True


@pytest.mark.parametrize(
    "subject",
    [
        "did:privy:" + "a" * 2100,  # past DynamoDB's 2 KB key limit: was a 502 on every route
        "did:privy:" + "a" * 300,  # signed in but never got wallets
        "did:privy:a\ud800b",  # lone surrogate
        "did:privy:UPPER",
    ],
)
def test_subjects_outside_the_user_id_format_are_401_at_the_authorizer(
    api_client: ApiClient, subject: str
) -> None:
    token = api_client.stack.privy.tokens.issue(subject, 600)
    for method, path in (("POST", "/auth/sync"), ("GET", "/auth/me"), ("GET", "/wallets/server")):
        assert api_client.request(method, path, token=token).status_code == 401


def test_clock_skew_within_the_leeway_is_accepted(api_client: ApiClient) -> None:
    tokens = api_client.stack.privy.tokens
    user_id = new_user_id("skew")
    ahead = tokens.issue(user_id, 600, now=time.time() + 1)
    assert api_client.post("/auth/sync", token=ahead).status_code == 200
    too_far = tokens.issue(user_id, 600, now=time.time() + MAX_CLOCK_LEEWAY_SECONDS + 10)
    assert api_client.get("/auth/check", token=too_far).status_code == 401


def test_a_get_with_a_body_is_refused(api_client: ApiClient, signed_in_user: str) -> None:
    answer = api_client.request(
        "GET", "/auth/me", user=signed_in_user, data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert error_of(answer, 400)["code"] == "unexpected_body"
