"""Privy-style ES256 access tokens for sign-in: a P-256 key pair made at start.

Claims as Privy's: ``iss`` "privy.io", ``aud`` the app id, ``sub`` the user's DID, ``sid`` a session
id, ``iat``, ``exp``. ``verification_key`` is the PEM public key the authorizer verifies with;
``verify`` is how the emulator itself checks a token (``POST /v1/wallets/authenticate``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ISSUER = "privy.io"


class TokenIssuer:
    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.verification_key = (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )

    def issue(
        self, user_id: str, ttl: int = 3600, *, now: float | None = None, claims: dict[str, Any] | None = None
    ) -> str:
        """A token for ``user_id``; ``claims`` adds or replaces claims (None removes one): tests of
        what the authorizer refuses (another audience, a time in the future, no ``exp``...)."""
        if not user_id:
            raise ValueError("user_id is required")
        issued = int(now if now is not None else time.time())
        standard = {
            "iss": ISSUER,
            "aud": self.app_id,
            "sub": user_id,
            "sid": str(uuid.uuid4()),
            "iat": issued,
            "exp": issued + int(ttl),
        }
        signed = {k: v for k, v in {**standard, **(claims or {})}.items() if v is not None}
        return jwt.encode(signed, self._key, algorithm="ES256", headers={"typ": "JWT"})

    def verify(self, token: str) -> str:
        """The user id of a valid token for this app (ES256 with this key, ``aud`` the app id, ``iss``
        privy.io, not expired); ``jwt.InvalidTokenError`` otherwise."""
        claims = jwt.decode(
            token,
            self.verification_key,
            algorithms=["ES256"],
            audience=self.app_id,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub"]},
        )
        return str(claims["sub"])
