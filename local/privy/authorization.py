"""Authorization signatures (``privy-authorization-signature``), verified as Privy does.

The signed payload is the RFC 8785-style canonical JSON of ``{version: 1, method, url, body,
headers}`` where ``headers`` holds only the ``privy-`` request headers the SDK signs
(``privy-app-id``, and ``privy-idempotency-key`` / ``privy-request-expiry`` when sent), ``url`` is
the absolute URL without a trailing slash, and an empty body is ``""`` (``{}`` for DELETE, as the
SDK's ``preserve_empty_body``). Each signature is base64 DER ECDSA P-256 over SHA-256; several are
comma separated. Public keys are base64 DER SPKI (optionally PEM or ``wallet-auth:``-prefixed).
A key quorum is satisfied when ``threshold`` of its members signed: a public key, a user (through
a live user key, see ``user_keys``) or a nested quorum.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import canonicaljson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.wrappers import Request

from local.privy.errors import PrivyError, invalid, unauthorized
from local.privy.records import KeyQuorumRecord

SIGNED_HEADERS = ("privy-app-id", "privy-idempotency-key", "privy-request-expiry")


def load_public_key(text: str) -> ec.EllipticCurvePublicKey:
    raw = text.strip().removeprefix("wallet-auth:")
    try:
        if raw.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(raw.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode(raw, validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise invalid(f"not a P-256 public key (base64 DER SPKI): {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise invalid("authorization keys must be P-256 public keys")
    return key


def normalize_public_key(text: str) -> str:
    """The key as base64 DER SPKI (the form Privy answers with)."""
    der = load_public_key(text).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def request_payload(request: Request) -> bytes:
    """The bytes the client must have signed for this request."""
    raw = request.get_data(cache=True)
    try:
        body: Any = json.loads(raw) if raw else {}
    except ValueError as exc:
        raise invalid("request body is not JSON") from exc
    if request.method.upper() != "DELETE" and isinstance(body, dict | list) and not body:
        body = ""
    headers = {name: request.headers[name] for name in SIGNED_HEADERS if name in request.headers}
    payload = {
        "version": 1,
        "method": request.method.upper(),
        "url": request.base_url.rstrip("/"),
        "body": body,
        "headers": headers,
    }
    return bytes(canonicaljson.encode_canonical_json(payload))


def _valid(signature: str, payload: bytes, key: ec.EllipticCurvePublicKey) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), payload, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def check_expiry(request: Request, now_ms: int | None = None) -> None:
    expiry = request.headers.get("privy-request-expiry")
    if expiry is None:
        return
    if not expiry.isdigit():
        raise invalid("privy-request-expiry must be a Unix timestamp in milliseconds")
    if int(expiry) < (now_ms if now_ms is not None else time.time_ns() // 1_000_000):
        raise unauthorized("request_expired", "the request expired (privy-request-expiry is in the past)")


def count_signers(request: Request, public_keys: Iterable[str]) -> int:
    """How many of ``public_keys`` signed this request (each key counts once)."""
    header = request.headers.get("privy-authorization-signature", "")
    signatures = [s.strip() for s in header.split(",") if s.strip()]
    keys = [load_public_key(k) for k in public_keys]
    if not signatures or not keys:
        return 0
    payload = request_payload(request)
    return sum(1 for key in keys if any(_valid(sig, payload, key) for sig in signatures))


def members_signed(
    request: Request,
    quorum: KeyQuorumRecord,
    user_keys: Callable[[str], list[str]],
    quorum_of: Callable[[str], KeyQuorumRecord],
) -> int:
    """How many members of ``quorum`` signed this request: each of its public keys, each of its
    users (a signature by one of the user's live user keys), each nested quorum that is satisfied."""
    signed = count_signers(request, quorum.public_keys)
    signed += sum(1 for user in quorum.user_ids if count_signers(request, user_keys(user)))
    for nested_id in quorum.key_quorum_ids:
        nested = quorum_of(nested_id)
        signed += members_signed(request, nested, user_keys, quorum_of) >= nested.threshold
    return signed


def require_signatures(request: Request, signed: Callable[[], int], threshold: int, what: str) -> None:
    """Refuse (401, Privy's codes) unless ``signed()`` (the members that signed) reaches ``threshold``."""
    if not request.headers.get("privy-authorization-signature", "").strip(",").strip():
        raise unauthorized(
            "missing_or_empty_authorization_header", f"{what} requires a privy-authorization-signature header"
        )
    check_expiry(request)
    valid = signed()
    if valid == 0:
        raise unauthorized(
            "zero_correct_authorization_signatures", f"no valid authorization signature for {what}"
        )
    if valid < threshold:
        raise PrivyError(
            401,
            "insufficient_correct_authorization_signatures",
            f"{what} needs {threshold} valid authorization signatures, got {valid}",
        )
