"""Secrets never leak: the journey runs with known secret values (configured: the Privy app secret,
the platform's authorization key, the gas funder's key, the service-token secret; made during the
run: users' access tokens, service tokens, users' Privy keys and the keys they are sealed to) and
none of them, in any form (``tests.secret_scan``), is in a log line, an EMF metric, a response
body, an error, the local services' request logs or the run's output."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlparse

import jwt
from cryptography.hazmat.primitives import serialization

from basis.platform.secrets import Secrets
from tests.e2e.demo_run import CONFIGURED, NOT_SECRET, DemoRun
from tests.secret_scan import Finding, Secret, report, scan


def _texts(run: DemoRun) -> list[tuple[str, str]]:
    """The run's output, every file the stack wrote (logs and metrics, child processes' logs) and
    what the run saw (answers, errors, request logs)."""
    texts = [("stdout", run.result.stdout), ("stderr", run.result.stderr)]
    for name, folder in (("stack", run.state_dir), ("seen", run.record_dir)):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            where = f"{name}/{path.relative_to(folder)}"
            texts.append((where, path.read_text(encoding="utf-8", errors="replace")))
    return texts


def _rightful(finding: Finding, line: str) -> bool:
    """The places a secret belongs: the deployment's secret in Secrets Manager (where the stack
    stores it, where the product reads it), and a user's access token in the answer of the sign-in
    that issued it and in privy-client's request exchanging it with Privy for a user key."""
    if not finding.where.endswith(".jsonl"):
        return False
    entry = json.loads(line)
    if finding.where.endswith("aws.jsonl"):
        return finding.kind in CONFIGURED and entry["service"] == "secretsmanager"
    if finding.kind != "user access token":
        return False
    if finding.where.endswith("responses.jsonl"):
        return urlparse(entry["url"]).path == "/_local/tokens"
    return entry.get("service") == "privy" and entry.get("path") == "/v1/wallets/authenticate"


def _public_half(key: Secret) -> str:
    private = serialization.load_der_private_key(base64.b64decode(key.value), password=None)
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(spki).decode()


def test_no_secret_is_in_any_log_metric_answer_or_error(demo_run: DemoRun) -> None:
    # No assertion below shows a text or a value (pytest would print them): only names and counts.
    succeeded = demo_run.result.returncode == 0
    assert succeeded, "the journey failed: see test_demo_runs_the_journey_and_stops_cleanly"
    assert set(CONFIGURED) | NOT_SECRET == set(Secrets.model_fields), (
        "every field of the secret has a known value"
    )
    secrets = demo_run.secrets()
    by_kind = {s.kind: [x for x in secrets if x.kind == s.kind] for s in secrets}
    minted = {"user access token", "service token", "user authorization key", "user-key recipient key"}
    assert minted <= set(by_kind), set(by_kind)
    # the stack ran with the values given, and used them: tokens signed with our secret, gas sent
    # with our funder key, the platform's key quorum made with our key
    [jwt_secret] = by_kind["internal_jwt_secret"]
    for token in by_kind["service token"]:
        jwt.decode(token.value, jwt_secret.value, algorithms=["HS256"], options={"verify_exp": False})
    topped_up = "gas top-up sent" in (demo_run.state_dir / "logs/functions/gas_funder.log").read_text()
    assert topped_up, "the gas funder did not sign a top-up with the configured key"
    quorum_key = _public_half(by_kind["privy_authorization_key"][0])
    ours = quorum_key in (demo_run.record_dir / "requests.jsonl").read_text()
    assert ours, "the platform's key quorum was not created with the configured authorization key"

    texts = _texts(demo_run)
    scanned = {where for where, _ in texts}
    expected = {"stack/logs/functions/api.log", "stack/logs/local.log", "stdout", "stderr"}
    expected |= {f"seen/{name}.jsonl" for name in ("responses", "requests", "aws")}
    assert expected <= scanned, sorted(expected - scanned)
    metrics = any('"_aws"' in text for _, text in texts)
    assert metrics, "no EMF metric line was scanned"
    # the scan sees what it looks for: the secrets where they rightly are
    seen = bool(scan(texts, by_kind["user access token"])) and bool(scan(texts, [jwt_secret]))
    assert seen, "the scan did not find the user's token and the secret where they belong"
    findings = scan(texts, secrets, allowed=_rightful)
    assert not findings, report(findings)
