"""Attacks on the authorizer through the local gateway and the real authorizer function: every
forged, expired, early, foreign or alg-confused token is refused (401) before any handler runs; a
service token cannot do what only the user's own token may (403) and a user's token cannot reach an
admin route (403). Each refusal is set against the same call with a valid token, which passes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from basis.identity.service_secrets import service_secrets
from basis.identity.tokens import MAX_CLOCK_LEEWAY_SECONDS, SERVICE_TOKEN_MAX_TTL, issue_service_token
from basis.risk import kill_switch
from local.runtime.stack import LocalStack
from tests.api_client import ApiClient
from tests.helpers import sign_in

USER_ROUTE = "/auth/check"  # any signed-in caller: 200
PAST_LEEWAY = MAX_CLOCK_LEEWAY_SECONDS + 10


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def privy_claims(api_client: ApiClient, user_id: str, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims = {
        "iss": "privy.io",
        "aud": api_client.stack.privy_app_id,
        "sub": user_id,
        "iat": now,
        "exp": now + 600,
    }
    return {**claims, **overrides}


def tampered(token: str, **claims: object) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{header}.{b64(json.dumps({**body, **claims}).encode())}.{signature}"


def hs256_with_the_public_key(api_client: ApiClient, user_id: str) -> str:
    """The alg-confusion attack: HS256 keyed with the app's (public) ES256 verification key."""
    signing_input = (
        f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}."
        f"{b64(json.dumps(privy_claims(api_client, user_id)).encode())}"
    )
    key = api_client.stack.privy.verification_key.encode()
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


def another_key_pair() -> str:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )


def service_jwt(**overrides: object) -> str:
    now = int(time.time())
    claims = {"iss": "basis-internal", "sub": "did:privy:ops", "role": "admin", "iat": now, "exp": now + 60}
    signed = {k: v for k, v in {**claims, **overrides}.items() if v is not None}
    return jwt.encode(signed, service_secrets().signing(), algorithm="HS256")


Forge = Callable[[ApiClient, str], str]
ATTACKS: dict[str, Forge] = {
    "forged-signature": lambda api, user: tampered(api.user_token(user), sub="did:privy:mallory"),
    "expired": lambda api, user: api.user_token(user, ttl=60, now=time.time() - 60 - PAST_LEEWAY),
    "issued-in-the-future": lambda api, user: api.user_token(user, now=time.time() + PAST_LEEWAY),
    "not-yet-valid": lambda api, user: api.user_token(user, claims={"nbf": int(time.time()) + PAST_LEEWAY}),
    "no-exp": lambda api, user: api.user_token(user, claims={"exp": None}),
    "exp-a-string": lambda api, user: api.user_token(user, claims={"exp": str(int(time.time()) + 600)}),
    "wrong-issuer": lambda api, user: api.user_token(user, claims={"iss": "evil.io"}),
    "wrong-audience": lambda api, user: api.user_token(user, claims={"aud": "another-app"}),
    "alg-none": lambda api, user: jwt.encode(privy_claims(api, user), None, algorithm="none"),  # type: ignore[arg-type]
    "hs256-with-the-es256-public-key": hs256_with_the_public_key,
    "es256-by-another-key-pair": lambda api, user: jwt.encode(
        privy_claims(api, user), another_key_pair(), algorithm="ES256"
    ),
    "service-by-another-secret": lambda api, user: issue_service_token("x" * 48, user, role="admin"),
    "service-forged-role": lambda api, user: tampered(
        issue_service_token(service_secrets().signing(), user), role="admin"
    ),
    "service-expired": lambda api, user: service_jwt(sub=user, exp=int(time.time()) - PAST_LEEWAY),
    "service-long-lived": lambda api, user: service_jwt(
        sub=user, exp=int(time.time()) + SERVICE_TOKEN_MAX_TTL + 60
    ),
    "service-exp-a-string": lambda api, user: service_jwt(sub=user, exp=str(int(time.time()) + 60)),
    "service-no-exp": lambda api, user: service_jwt(sub=user, exp=None),
    "service-wrong-issuer": lambda api, user: service_jwt(sub=user, iss="privy.io"),
}


@pytest.fixture(scope="module")
def user(stack: LocalStack) -> str:
    """One signed-in user for the module: every refusal here happens before any handler runs."""
    return sign_in(stack, "attacked")


def test_a_valid_token_of_each_kind_passes(api_client: ApiClient, user: str) -> None:
    for token in (api_client.user_token(user), api_client.service_token(user)):
        answer = api_client.get(USER_ROUTE, token=token)
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_the_authorizer_refuses(api_client: ApiClient, user: str, attack: str) -> None:
    token = ATTACKS[attack](api_client, user)
    answer = api_client.get(USER_ROUTE, token=token)
    assert answer.status_code == 401, f"{attack}: {answer.status_code} {answer.text}"
    admin = api_client.get("/admin/kill-switch", token=token)
    assert admin.status_code == 401, f"{attack} on an admin route: {admin.status_code} {admin.text}"


def test_a_service_token_cannot_act_with_the_users_own_authority(api_client: ApiClient, user: str) -> None:
    """What moves the user's money by the user's authority takes the user's own token: any service
    token, even an admin one, is refused (403) before anything is validated or sent."""
    for role in ("user", "admin"):
        token = api_client.service_token(user, role=role)
        transfer = {"chain": "ethereum", "asset": "USDC", "amount": "1", "to": "0x" + "11" * 20}
        for method, path, body in (
            ("POST", "/wallets/transfers", transfer),
            ("POST", "/funding/withdrawal-addresses", {"address": "0x" + "22" * 20}),
            ("DELETE", "/funding/withdrawal-addresses/0x" + "22" * 20, None),
        ):
            answer = api_client.request(method, path, token=token, json=body)
            assert answer.status_code == 403, f"{role} service token {method} {path}: {answer.text}"
            assert answer.json()["error"]["code"] == "forbidden"


ADMIN_ROUTES = [
    ("GET", "/admin/kill-switch", None),
    ("POST", "/admin/kill-switch", {"reason": "a user tries"}),
    ("DELETE", "/admin/kill-switch", None),
    ("GET", "/health/dependencies", None),
    ("GET", "/health/wallets", None),
    ("GET", "/health/funding", None),
]


def test_a_user_token_or_a_user_service_token_cannot_reach_an_admin_route(
    api_client: ApiClient, user: str
) -> None:
    before = kill_switch.status()
    for token in (
        api_client.user_token(user),
        api_client.service_token(user, role="user"),
    ):
        for method, path, body in ADMIN_ROUTES:
            answer = api_client.request(method, path, token=token, json=body)
            assert answer.status_code == 403, f"{method} {path}: {answer.status_code} {answer.text}"
            assert answer.json() == {"error": {"code": "forbidden", "message": "admin only"}}
    assert kill_switch.status() == before  # nothing engaged, nothing lifted
    for method, path, _ in ADMIN_ROUTES[:1] + ADMIN_ROUTES[3:]:
        assert api_client.as_admin(method, path).status_code in {200, 503}, path  # 503: a dependency down
