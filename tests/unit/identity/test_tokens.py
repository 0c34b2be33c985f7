import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from basis.identity.tokens import (
    MAX_CLOCK_LEEWAY_SECONDS,
    AuthError,
    Principal,
    authenticate,
    issue_service_token,
    verify_service_token,
)

APP_ID = "app-123"
SECRET = "s" * 48


@pytest.fixture(scope="module")
def privy_keys() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def privy_token(private: str, **overrides: object) -> str:
    now = int(time.time())
    claims = {
        "iss": "privy.io",
        "aud": APP_ID,
        "sub": "did:privy:alice",
        "sid": "s1",
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return jwt.encode(claims, private, algorithm="ES256")


def auth(header: str | None, public: str) -> Principal:
    return authenticate(
        header, privy_key=public, app_id=APP_ID, service_secrets=SECRET, leeway=MAX_CLOCK_LEEWAY_SECONDS
    )


def test_privy_token_gives_the_user(privy_keys: tuple[str, str]) -> None:
    private, public = privy_keys
    principal = auth(f"Bearer {privy_token(private)}", public)
    assert principal == Principal(user_id="did:privy:alice", kind="user", role="user")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "another-app"}, "audience"),
        ({"iss": "evil.io"}, "issuer"),
        ({"exp": int(time.time()) - MAX_CLOCK_LEEWAY_SECONDS - 1}, "expired"),
    ],
)
def test_privy_token_claims_are_enforced(privy_keys: tuple[str, str], overrides: dict, reason: str) -> None:
    private, public = privy_keys
    with pytest.raises(AuthError, match=f"(?i){reason}"):
        auth(f"Bearer {privy_token(private, **overrides)}", public)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_alg_confusion_hs256_signed_with_public_key_is_rejected(privy_keys: tuple[str, str]) -> None:
    _, public = privy_keys
    now = int(time.time())
    claims = {"iss": "privy.io", "aud": APP_ID, "sub": "did:privy:mallory", "iat": now, "exp": now + 600}
    # The classic attack: HS256 with the (public) ES256 verification key used as the HMAC secret.
    signing_input = (
        f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(claims).encode())}"
    )
    signature = hmac.new(public.encode(), signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(AuthError, match="invalid service token"):
        auth(f"Bearer {signing_input}.{_b64(signature)}", public)


def test_none_algorithm_is_rejected(privy_keys: tuple[str, str]) -> None:
    _, public = privy_keys
    token = jwt.encode({"sub": "did:privy:x", "iss": "privy.io", "aud": APP_ID}, None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(AuthError, match="unsupported token algorithm"):
        auth(f"Bearer {token}", public)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "Bearer not.a.jwt"])
def test_malformed_headers_are_rejected(privy_keys: tuple[str, str], header: str | None) -> None:
    with pytest.raises(AuthError):
        auth(header, privy_keys[1])


def test_service_token_round_trip_and_roles() -> None:
    token = issue_service_token(SECRET, "did:privy:bob", role="admin", ttl=30)
    principal = verify_service_token(token, SECRET)
    assert (principal.user_id, principal.kind, principal.role) == ("did:privy:bob", "service", "admin")
    with pytest.raises(AuthError):
        verify_service_token(token, "x" * 48)


def test_service_tokens_must_be_short_lived() -> None:
    with pytest.raises(ValueError, match="at most"):
        issue_service_token(SECRET, "did:privy:bob", ttl=3600)
    now = int(time.time())
    long_lived = jwt.encode(
        {"iss": "basis-internal", "sub": "did:privy:u", "iat": now, "exp": now + 3600},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(AuthError, match="lifetime"):
        verify_service_token(long_lived, SECRET)


def test_a_token_issued_slightly_in_the_future_is_accepted(privy_keys: tuple[str, str]) -> None:
    private, public = privy_keys
    now = int(time.time())
    ahead = privy_token(private, iat=now + 1, nbf=now + 1)
    assert auth(f"Bearer {ahead}", public).user_id == "did:privy:alice"
    too_far = privy_token(private, iat=now + MAX_CLOCK_LEEWAY_SECONDS + 5)
    with pytest.raises(AuthError, match=r"(?i)not yet valid|issued"):
        auth(f"Bearer {too_far}", public)


@pytest.mark.parametrize(
    "subject",
    [
        "did:privy:" + "a" * 65,  # past the accepted 64
        "did:privy:" + "a" * 2100,  # past DynamoDB's 2 KB key limit
        "did:privy:Alice",  # upper case
        "did:privy:",
        "did:privy:-x",
        "did:privy:a\ud800b",  # lone surrogate
        "did:privy:a b",
        "alice",
        12345,
    ],
)
def test_subjects_outside_the_user_id_format_are_refused(
    privy_keys: tuple[str, str], subject: object
) -> None:
    private, public = privy_keys
    with pytest.raises(AuthError, match=r"not a user id|Subject must be a string"):
        auth(f"Bearer {privy_token(private, sub=subject)}", public)
    if isinstance(subject, str):
        with pytest.raises(AuthError, match="not a user id"):
            verify_service_token(issue_service_token(SECRET, subject), SECRET)


def test_privy_style_ids_are_accepted(privy_keys: tuple[str, str]) -> None:
    private, public = privy_keys
    privy_id = "did:privy:cm3np4u9j00ab1234567890xy"  # Privy's own: 25 lowercase alphanumerics
    assert auth(f"Bearer {privy_token(private, sub=privy_id)}", public).user_id == privy_id


def _other_key_pair() -> str:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )


def _tampered(token: str, **claims: object) -> str:
    """The token with its payload changed and its original signature kept."""
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{header}.{_b64(json.dumps({**body, **claims}).encode())}.{signature}"


def test_a_forged_signature_is_refused(privy_keys: tuple[str, str]) -> None:
    private, public = privy_keys
    forged = _tampered(privy_token(private), sub="did:privy:mallory")
    with pytest.raises(AuthError, match="Signature verification failed"):
        auth(f"Bearer {forged}", public)
    service = _tampered(issue_service_token(SECRET, "did:privy:bob"), role="admin")
    with pytest.raises(AuthError, match="Signature verification failed"):
        auth(f"Bearer {service}", public)


def test_a_token_signed_by_a_key_that_is_not_the_apps_is_refused(privy_keys: tuple[str, str]) -> None:
    _, public = privy_keys
    with pytest.raises(AuthError, match="Signature verification failed"):
        auth(f"Bearer {privy_token(_other_key_pair())}", public)
    with pytest.raises(AuthError, match="Signature verification failed"):
        auth(f"Bearer {issue_service_token('o' * 48, 'did:privy:bob', role='admin')}", public)


def test_a_token_not_valid_before_a_moment_past_the_leeway_is_refused(privy_keys: tuple[str, str]) -> None:
    private, public = privy_keys
    now = int(time.time())
    with pytest.raises(AuthError, match="not yet valid"):
        auth(f"Bearer {privy_token(private, nbf=now + MAX_CLOCK_LEEWAY_SECONDS + 5)}", public)


def _service_claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {"iss": "basis-internal", "sub": "did:privy:bob", "iat": now, "exp": now + 60}
    return {k: v for k, v in {**claims, **overrides}.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": str(int(time.time()) + 60)}, "exp is not a number"),
        ({"exp": "tomorrow"}, "must be an integer"),
        ({"exp": None}, 'missing the "exp" claim'),
        ({"iat": None}, 'missing the "iat" claim'),
        ({"iat": str(int(time.time()))}, "iat is not a number"),
        ({"nbf": str(int(time.time()))}, "nbf is not a number"),
        ({"exp": int(time.time()) - MAX_CLOCK_LEEWAY_SECONDS - 1}, "expired"),
        ({"iat": int(time.time()) + MAX_CLOCK_LEEWAY_SECONDS + 5}, "not yet valid"),
        ({"nbf": int(time.time()) + MAX_CLOCK_LEEWAY_SECONDS + 5}, "not yet valid"),
        ({"iss": "privy.io"}, "issuer"),
        ({"role": "root"}, "unknown role"),
    ],
    ids=[
        "exp-a-numeric-string",
        "exp-a-string",
        "exp-missing",
        "iat-missing",
        "iat-a-numeric-string",
        "nbf-a-numeric-string",
        "expired",
        "issued-in-the-future",
        "not-yet-valid",
        "wrong-issuer",
        "unknown-role",
    ],
)
def test_service_token_claims_are_enforced(
    privy_keys: tuple[str, str], overrides: dict[str, object], reason: str
) -> None:
    token = jwt.encode(_service_claims(**overrides), SECRET, algorithm="HS256")
    with pytest.raises(AuthError, match=f"(?i){reason}"):
        auth(f"Bearer {token}", privy_keys[1])


def test_a_privy_token_times_are_numbers(privy_keys: tuple[str, str]) -> None:
    private, public = privy_keys
    now = int(time.time())
    claims = {"iss": "privy.io", "aud": APP_ID, "sub": "did:privy:alice", "iat": now}
    with pytest.raises(AuthError, match='missing the "exp" claim'):
        auth(f"Bearer {jwt.encode(claims, private, algorithm='ES256')}", public)
    with pytest.raises(AuthError, match="exp is not a number"):
        auth(f"Bearer {privy_token(private, exp=str(now + 600))}", public)
    assert auth(f"Bearer {privy_token(private, exp=now + 600.5)}", public).user_id == "did:privy:alice"
