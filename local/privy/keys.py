"""Key material the emulator holds: wallet keys (secp256k1, ed25519), the ES256 sign-in key, and
verification of Privy authorization signatures (P-256 over canonical JSON)."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import canonicaljson
import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def load_p256_public_key(text: str) -> ec.EllipticCurvePublicKey:
    """A P-256 public key given as PEM or as base64 DER SPKI (what the SDK generates)."""
    raw = text.strip()
    if raw.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(raw.encode())
    else:
        key = serialization.load_der_public_key(base64.b64decode(raw.removeprefix("wallet-auth:")))
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("authorization keys must be P-256")
    return key


def authorization_payload(method: str, url: str, body: Any, headers: dict[str, str]) -> bytes:
    """The bytes Privy's authorization signatures cover (as privy-client formats them)."""
    if isinstance(body, dict | list) and not body:
        body = ""
    return bytes(canonicaljson.encode_canonical_json(
        {"version": 1, "method": method, "url": url, "body": body, "headers": headers}))


def signature_valid(public_keys: list[str], payload: bytes, header: str | None) -> bool:
    """True when one of the comma-separated signatures verifies under one of the keys."""
    if not header:
        return False
    for signature in header.split(","):
        try:
            der = base64.b64decode(signature.strip(), validate=True)
        except ValueError:
            continue
        for text in public_keys:
            try:
                load_p256_public_key(text).verify(der, payload, ec.ECDSA(hashes.SHA256()))
                return True
            except (InvalidSignature, ValueError):
                continue
    return False


@dataclass
class TokenIssuer:
    """Issues Privy-style ES256 access tokens for sign-in."""

    app_id: str
    _key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    @property
    def verification_key(self) -> str:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def issue(self, user_id: str, ttl_seconds: int = 3600) -> str:
        now = int(time.time())
        claims = {"iss": "privy.io", "aud": self.app_id, "sub": user_id, "sid": uuid.uuid4().hex,
                  "iat": now, "exp": now + ttl_seconds}
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": "local"})
