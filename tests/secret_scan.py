"""Finds secret values in text, in every form a leaked value takes: as is, URL-quoted, hex and
base64 / base64url (at each of the three alignments a value has inside a longer base64 blob); for
keys also their DER and raw private-key bytes in hex and base64 and the PEM body lines that carry
private bytes; for tokens also the JWT signature part.

A finding names the secret's kind, the form, where (file and line) and a fingerprint of the value
(sha256, 12 hex digits): never the value itself, nor the line it was found on.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

MIN_NEEDLE = 16  # shorter forms would match by chance


@dataclass(frozen=True)
class Secret:
    """A secret value and how it reads: ``text`` (a password-like string), ``p256`` (base64 DER
    PKCS#8 P-256 private key: Privy authorization keys), ``hexkey`` (0x-hex secp256k1 private key)
    or ``jwt`` (a signed token)."""

    kind: str
    value: str
    shape: str = "text"

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.value.encode()).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"Secret({self.kind}, {self.shape}, fingerprint {self.fingerprint})"


@dataclass(frozen=True)
class Finding:
    kind: str
    form: str
    where: str
    line: int
    fingerprint: str

    def __str__(self) -> str:
        return f"{self.kind} ({self.form}, fingerprint {self.fingerprint}) at {self.where}:{self.line}"


def base64_forms(data: bytes) -> list[str]:
    """``data`` in base64, standard and URL-safe, as it reads at each alignment inside a longer
    encoded blob: only the characters that ``data`` alone decides."""
    found: list[str] = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode("ascii")
        first = (shift * 8 + 5) // 6  # the characters before also hold bits of what precedes
        core = encoded[first : (shift + len(data)) * 8 // 6]  # the last one also what follows
        found += [core, core.translate(str.maketrans("+/", "-_"))]
    return found


def byte_forms(name: str, data: bytes) -> dict[str, str]:
    forms = {f"{name} hex": data.hex(), f"{name} HEX": data.hex().upper()}
    forms.update({f"{name} base64 #{i}": text for i, text in enumerate(base64_forms(data))})
    return forms


def _text_forms(value: str) -> dict[str, str]:
    return {"raw": value, "url-quoted": quote(value, safe=""), **byte_forms("utf-8", value.encode())}


def _pem_lines(name: str, der: bytes, private: bytes) -> dict[str, str]:
    """The 64-character PEM body lines of ``der`` that carry bytes of ``private``."""
    start = der.index(private)
    first, last = start * 4 // 3, -(-(start + len(private)) * 4 // 3)
    body = base64.b64encode(der).decode("ascii")
    return {
        f"{name} PEM line {i // 64 + 1}": body[i : i + 64]
        for i in range(0, len(body), 64)
        if i < last and i + 64 > first
    }


def _p256_forms(value: str) -> dict[str, str]:
    key = serialization.load_der_private_key(base64.b64decode(value), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    forms = _text_forms(value)
    for name, layout in (
        ("PKCS#8", serialization.PrivateFormat.PKCS8),
        ("SEC1", serialization.PrivateFormat.TraditionalOpenSSL),
    ):
        der = key.private_bytes(serialization.Encoding.DER, layout, serialization.NoEncryption())
        forms.update(byte_forms(f"{name} DER", der))
        forms.update(_pem_lines(name, der, scalar))
    forms.update(byte_forms("private scalar", scalar))
    return forms


def _hexkey_forms(value: str) -> dict[str, str]:
    return {**_text_forms(value), **byte_forms("private key", bytes.fromhex(value.removeprefix("0x")))}


def _jwt_forms(value: str) -> dict[str, str]:
    signature = value.rsplit(".", 1)[1]
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    return {**_text_forms(value), "JWT signature": signature, **byte_forms("JWT signature", raw)}


FORMS: dict[str, Callable[[str], dict[str, str]]] = {
    "text": _text_forms,
    "p256": _p256_forms,
    "hexkey": _hexkey_forms,
    "jwt": _jwt_forms,
}


def forms(secret: Secret) -> dict[str, str]:
    """Each form of ``secret`` (name -> the text to look for), none shorter than ``MIN_NEEDLE``."""
    found: dict[str, str] = {}
    for name, text in FORMS[secret.shape](secret.value).items():
        if text not in found.values():  # e.g. URL-quoting that changes nothing: named once
            found[name] = text
    short = sorted(name for name, text in found.items() if len(text) < MIN_NEEDLE)
    if short:
        raise ValueError(f"{secret!r} is too short to look for in the forms {', '.join(short)}")
    return found


Allowed = Callable[[Finding, str], bool]


def scan(
    texts: Iterable[tuple[str, str]], secrets: Iterable[Secret], allowed: Allowed | None = None
) -> list[Finding]:
    """Every place one of ``secrets`` occurs in ``texts`` ((where, text) pairs), in any form, but
    those ``allowed(finding, line)`` accepts (the line as found: do not print it)."""
    needles = [(secret, name, text) for secret in secrets for name, text in forms(secret).items()]
    findings: list[Finding] = []
    for where, text in texts:
        for secret, name, needle in needles:
            at = text.find(needle)
            while at >= 0:
                start = text.rfind("\n", 0, at) + 1
                end = text.find("\n", at)
                line = text[start : end if end >= 0 else len(text)]
                finding = Finding(secret.kind, name, where, text.count("\n", 0, at) + 1, secret.fingerprint)
                if allowed is None or not allowed(finding, line):
                    findings.append(finding)
                at = text.find(needle, at + 1)
    return sorted(set(findings), key=lambda f: (f.where, f.line, f.kind, f.form))


def report(findings: list[Finding], limit: int = 40) -> str:
    """The findings, one line per place and secret (its forms found there listed), at most ``limit``."""
    places: dict[tuple[str, int, str, str], list[str]] = {}
    for f in findings:
        places.setdefault((f.where, f.line, f.kind, f.fingerprint), []).append(f.form)
    lines = [
        f"{kind} ({', '.join(forms)}; fingerprint {fingerprint}) at {where}:{line}"
        for (where, line, kind, fingerprint), forms in places.items()
    ]
    more = [f"... and {len(lines) - limit} more"] if len(lines) > limit else []
    return f"{len(lines)} leak(s):\n" + "\n".join(lines[:limit] + more)
