"""User keys: the time-bound P-256 authorization keys ``POST /v1/wallets/authenticate`` issues for
a user's valid access token, HPKE-sealed to the caller's recipient key exactly as privy-client
opens them (``privy.lib.jwt_exchange``).

HPKE base mode with Privy's suite: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, empty
info. The plaintext is the private key as base64 DER PKCS#8 (the SDK's authorization key format).
Until ``expires_at`` (Unix ms), a signature by the key counts as the user's: on wallets the user
owns, and in any key quorum that lists the user.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKey

from local.privy.authorization import load_public_key

USER_KEY_TTL_SECONDS = 600
SUITE = CipherSuite.new(KEMId.DHKEM_P256_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.CHACHA20_POLY1305)


@dataclass(frozen=True)
class _Issued:
    public_key: str  # base64 DER SPKI
    expires_at: int  # Unix ms


def seal(recipient_public_key: str, plaintext: bytes) -> dict[str, str]:
    """``plaintext`` HPKE-sealed to ``recipient_public_key`` (base64 DER SPKI P-256), in Privy's
    ``encrypted_authorization_key`` shape."""
    recipient = KEMKey.from_pyca_cryptography_key(load_public_key(recipient_public_key))
    encapsulated, context = SUITE.create_sender_context(recipient)
    return {
        "encryption_type": "HPKE",
        "encapsulated_key": base64.b64encode(encapsulated).decode("ascii"),
        "ciphertext": base64.b64encode(context.seal(plaintext)).decode("ascii"),
    }


class UserKeys:
    def __init__(
        self, ttl_seconds: int = USER_KEY_TTL_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self.ttl_seconds, self._clock = ttl_seconds, clock
        self._lock = threading.Lock()
        self._issued: dict[str, list[_Issued]] = {}

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def issue(self, user_id: str, recipient_public_key: str) -> tuple[dict[str, Any], int]:
        """A new key for ``user_id``: (its private half sealed to the recipient, expires_at ms)."""
        private = ec.generate_private_key(ec.SECP256R1())
        pkcs8 = private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        spki = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        sealed = seal(recipient_public_key, base64.b64encode(pkcs8))
        now = self._now_ms()
        issued = _Issued(base64.b64encode(spki).decode("ascii"), now + self.ttl_seconds * 1000)
        with self._lock:
            live = [k for k in self._issued.get(user_id, []) if k.expires_at > now]
            self._issued[user_id] = [*live, issued]
        return sealed, issued.expires_at

    def valid(self, user_id: str) -> list[str]:
        """The public keys that sign for ``user_id`` now."""
        now = self._now_ms()
        with self._lock:
            return [k.public_key for k in self._issued.get(user_id, []) if k.expires_at > now]

    def count(self) -> int:
        now = self._now_ms()
        with self._lock:
            return sum(1 for keys in self._issued.values() for k in keys if k.expires_at > now)
