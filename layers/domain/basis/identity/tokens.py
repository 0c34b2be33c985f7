"""Who is calling: Privy access tokens (ES256) for users, short-lived HS256 service JWTs for
internal callers (C6). The algorithm is chosen by the token kind, never trusted from the header
alone, so a token cannot switch verification paths (alg confusion).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import jwt

PRIVY_ISSUER = "privy.io"
SERVICE_ISSUER = "basis-internal"
SERVICE_TOKEN_MAX_TTL = 300
# Clocks of Privy, this platform and the caller differ a little: a token issued up to ``leeway``
# seconds "in the future" (iat/nbf) or expired ``leeway`` seconds ago is still accepted. The
# leeway is BASIS_TOKEN_LEEWAY_SECONDS (identity settings), never more than this.
MAX_CLOCK_LEEWAY_SECONDS = 30
# The user ids this platform accepts, for every token kind. Privy's own are "did:privy:" + 25
# lowercase alphanumerics; the accepted superset is 1-64 lowercase alphanumerics and hyphens after
# the prefix (test and operator ids such as "did:privy:alice-1"). Anything else -- longer ids that
# cannot be a DynamoDB key, other characters, lone surrogates -- is refused at the authorizer.
USER_ID_PATTERN = re.compile(r"did:privy:[a-z0-9][a-z0-9-]{0,63}")


class AuthError(Exception):
    """The token is missing, malformed, expired or not for this app."""


@dataclass(frozen=True)
class Principal:
    user_id: str
    kind: str  # "user" (Privy sign-in) | "service" (internal caller acting for user_id)
    role: str = "user"  # "user" | "admin"


def _user_id(subject: object) -> str:
    if not isinstance(subject, str) or not USER_ID_PATTERN.fullmatch(subject):
        raise AuthError("the token's subject is not a user id this platform accepts")
    return subject


def _times_are_numbers(claims: dict[str, object]) -> None:
    # PyJWT reads a time claim with int(), so "exp": "1999999999" (a string) would pass: a JWT's
    # times are NumericDate (RFC 7519), numbers and nothing else.
    for name in ("exp", "iat", "nbf"):
        if name in claims and not isinstance(claims[name], int | float):
            raise AuthError(f"the token's {name} is not a number")


def _bearer(header: str | None) -> str:
    if not header:
        raise AuthError("missing Authorization header")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization must be 'Bearer <token>'")
    return token.strip()


def verify_privy_token(token: str, verification_key: str, app_id: str, *, leeway: int = 0) -> Principal:
    try:
        claims = jwt.decode(
            token,
            verification_key,
            algorithms=["ES256"],
            audience=app_id,
            issuer=PRIVY_ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=min(leeway, MAX_CLOCK_LEEWAY_SECONDS),
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"invalid Privy token: {exc}") from exc
    _times_are_numbers(claims)
    return Principal(user_id=_user_id(claims["sub"]), kind="user")


def issue_service_token(secret: str, user_id: str, *, role: str = "user", ttl: int = 60) -> str:
    if not 0 < ttl <= SERVICE_TOKEN_MAX_TTL:
        raise ValueError(f"service tokens live at most {SERVICE_TOKEN_MAX_TTL}s")
    now = int(time.time())
    claims = {"iss": SERVICE_ISSUER, "sub": user_id, "role": role, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm="HS256")


def _signed_with(token: str, secrets: Sequence[str]) -> str:
    """The one of ``secrets`` whose HS256 signature the token carries."""
    for secret in secrets:
        try:
            jwt.PyJWS().decode_complete(token, secret, algorithms=["HS256"])
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid service token: {exc}") from exc
        return secret
    raise AuthError("invalid service token: Signature verification failed")


def verify_service_token(token: str, secrets: str | Sequence[str], *, leeway: int = 0) -> Principal:
    """A service token signed with ``secrets`` (one, or each one accepted during a rotation:
    ``basis.identity.service_secrets``)."""
    secret = _signed_with(token, [secrets] if isinstance(secrets, str) else secrets)
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=SERVICE_ISSUER,
            options={"require": ["exp", "iat", "iss", "sub"]},
            leeway=min(leeway, MAX_CLOCK_LEEWAY_SECONDS),
        )
    except jwt.PyJWTError as exc:
        raise AuthError(f"invalid service token: {exc}") from exc
    _times_are_numbers(claims)
    if int(claims["exp"]) - int(claims["iat"]) > SERVICE_TOKEN_MAX_TTL:
        raise AuthError("service token lifetime exceeds the maximum")
    role = str(claims.get("role", "user"))
    if role not in {"user", "admin"}:
        raise AuthError(f"unknown role {role!r}")
    return Principal(user_id=_user_id(claims["sub"]), kind="service", role=role)


def authenticate(
    header: str | None,
    *,
    privy_key: str,
    app_id: str,
    service_secrets: str | Sequence[str],
    leeway: int = 0,
) -> Principal:
    token = _bearer(header)
    try:
        alg = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError as exc:
        raise AuthError(f"malformed token: {exc}") from exc
    if alg == "ES256":
        return verify_privy_token(token, privy_key, app_id, leeway=leeway)
    if alg == "HS256":
        return verify_service_token(token, service_secrets, leeway=leeway)
    raise AuthError(f"unsupported token algorithm {alg!r}")
