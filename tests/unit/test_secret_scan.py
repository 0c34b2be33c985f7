"""The secret scanner the e2e leak test relies on finds a planted secret in each of its forms, where
it leaks inside longer text (a JSON log line, a base64 blob at any alignment, a PEM dump), and never
shows the value in what it reports."""

from __future__ import annotations

import base64
import json
import secrets
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from eth_account import Account

from tests.secret_scan import Finding, Secret, forms, report, scan


def _p256() -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key, base64.b64encode(der).decode()


def _known() -> list[Secret]:
    now = int(time.time())
    _, authorization_key = _p256()
    signing_key, _ = _p256()
    user_token = jwt.encode({"sub": "did:privy:a", "iat": now}, signing_key, algorithm="ES256")
    return [
        Secret("privy app secret", secrets.token_urlsafe(24)),
        Secret("internal jwt secret", secrets.token_urlsafe(48)),
        Secret("platform authorization key", authorization_key, "p256"),
        Secret("gas funder key", Account.create().key.hex(), "hexkey"),
        Secret("user access token", user_token, "jwt"),
        Secret("service token", jwt.encode({"sub": "u", "iat": now}, "k" * 32, algorithm="HS256"), "jwt"),
    ]


def _log(planted: str) -> str:
    """A function log with ``planted`` inside one JSON line, among lines that hold no secret."""
    lines = [
        json.dumps({"level": "INFO", "message": "wallets ready", "user_id": "did:privy:a"}),
        json.dumps({"level": "ERROR", "message": f"request failed: {planted}!", "status": 500}),
        json.dumps({"_aws": {"CloudWatchMetrics": []}, "Signed": 1}),
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("secret", _known(), ids=lambda s: s.kind)
def test_every_form_of_a_planted_secret_is_found_where_it_is(secret: Secret) -> None:
    for form, text in forms(secret).items():
        found = scan([("functions/api.log", _log(text))], [secret])
        assert Finding(secret.kind, form, "functions/api.log", 2, secret.fingerprint) in found, form
        assert {(f.where, f.line) for f in found} == {("functions/api.log", 2)}


@pytest.mark.parametrize("secret", _known(), ids=lambda s: s.kind)
def test_a_secret_inside_a_longer_base64_blob_is_found_at_every_alignment(secret: Secret) -> None:
    for prefix in ("", "a", "ab", "abc"):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            blob = encode(f'{{"x": "{prefix}{secret.value}", "y": 1}}'.encode()).decode()
            assert scan([("blob", f"header {blob} trailer")], [secret]), (prefix, encode.__name__)
        assert scan([("hex", (prefix + secret.value).encode().hex().upper())], [secret])


def test_keys_are_found_as_pem_der_and_raw_private_bytes() -> None:
    key, value = _p256()
    secret = Secret("platform authorization key", value, "p256")
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    for layout in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        pem = key.private_bytes(serialization.Encoding.PEM, layout, serialization.NoEncryption()).decode()
        assert scan([("pem", json.dumps({"key": pem}))], [secret])  # newlines escaped in a JSON line
        assert scan([("pem", pem.splitlines()[1])], [secret])  # one body line is enough
        der = key.private_bytes(serialization.Encoding.DER, layout, serialization.NoEncryption())
        assert scan([("der", der.hex())], [secret])
    for text in (scalar.hex(), base64.b64encode(scalar).decode(), base64.urlsafe_b64encode(scalar).decode()):
        assert scan([("scalar", text)], [secret])
    funder = Account.create()
    hexkey = Secret("gas funder key", funder.key.hex(), "hexkey")
    for text in (funder.key.hex().removeprefix("0x"), base64.b64encode(bytes(funder.key)).decode()):
        assert scan([("funder", text)], [hexkey])


def test_the_public_half_of_a_key_and_other_tokens_are_not_findings() -> None:
    key, value = _p256()
    secret = Secret("platform authorization key", value, "p256")
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = next(s for s in _known() if s.kind == "service token")
    other = jwt.encode({"sub": "u", "iat": 1}, "k" * 32, algorithm="HS256")  # same header, other claims
    clean = _log(public.decode()) + _log(other.split(".")[0]) + _log("did:privy:a")
    assert scan([("clean", clean)], [secret, token, *_known()]) == []


def test_a_finding_names_kind_form_and_place_never_the_value() -> None:
    secret = _known()[0]
    [finding] = scan([("local.log", "one\ntwo " + secret.value + "\n")], [secret])
    assert str(finding) == f"privy app secret (raw, fingerprint {secret.fingerprint}) at local.log:2"
    assert secret.value not in str(finding) + repr(finding) + repr(secret)


def test_the_report_lists_each_place_once_with_the_forms_found_there() -> None:
    secret = next(s for s in _known() if s.kind == "service token")
    found = scan([("api.log", "ok\n" + json.dumps({"headers": {"authorization": secret.value}}))], [secret])
    assert report(found) == (
        "1 leak(s):\n"
        f"service token (JWT signature, JWT signature base64 #1, raw; fingerprint {secret.fingerprint}) "
        "at api.log:2"
    )
    assert report(found * 3, limit=0).endswith("... and 1 more")


def test_allowed_places_are_left_out() -> None:
    secret = _known()[0]
    text = f"issued {secret.value}\nleaked {secret.value}\n"
    found = scan([("log", text)], [secret], allowed=lambda finding, line: line.startswith("issued"))
    assert [(f.line, f.form) for f in found] == [(2, "raw")]


def test_a_secret_too_short_to_look_for_is_refused() -> None:
    with pytest.raises(ValueError, match="too short"):
        forms(Secret("pin", "1234"))
