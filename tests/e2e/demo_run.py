"""The demo's journey on a fresh stack with known secret values, what it sees recorded
(``tests.e2e.recorded_demo``): run once per session (``tests/e2e/conftest.py``), read by the e2e tests."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from local.runtime.ports import PORTS, free_port
from local.runtime.stack import SECRETS_FILE_VARIABLE
from tests.secret_scan import Secret

ROOT = Path(__file__).resolve().parents[2]
# The deployment secret's fields (the kinds of the configured secrets) and how each value reads.
CONFIGURED = {
    "privy_app_secret": "text",
    "internal_jwt_secret": "text",
    "internal_jwt_secret_previous": "text",
    "privy_authorization_key": "p256",
    "gas_funder_private_key": "hexkey",
}
# Fields of the secret that hold no secret (when the service-token secret was last rotated).
NOT_SECRET = {"internal_jwt_secret_rotated_at"}


@dataclass
class DemoRun:
    result: subprocess.CompletedProcess[str]
    env: dict[str, str]
    state_dir: Path  # the stack's: its logs and whatever else it wrote
    record_dir: Path  # what the run saw (recorded_demo)
    secrets_dir: Path  # the secret values: configured and minted; never scanned

    def secrets(self) -> list[Secret]:
        """The values the stack was configured with, then those minted during the run."""
        configured = json.loads((self.secrets_dir / "secrets.json").read_text())
        known = [
            Secret(name, value, CONFIGURED[name]) for name, value in configured.items() if name in CONFIGURED
        ]
        minted = [json.loads(line) for line in (self.secrets_dir / "minted.jsonl").read_text().splitlines()]
        return known + [Secret(m["kind"], m["value"], m["shape"]) for m in minted]


def known_secrets() -> dict[str, str]:
    """Fresh values for every field of the deployment's secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "privy_app_secret": secrets.token_urlsafe(32),
        "internal_jwt_secret": secrets.token_urlsafe(48),
        # a rotation finished an hour ago: the replaced secret is still stored but no longer used
        "internal_jwt_secret_previous": secrets.token_urlsafe(48),
        "internal_jwt_secret_rotated_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "privy_authorization_key": base64.b64encode(der).decode(),
        "gas_funder_private_key": "0x" + secrets.token_hex(32),
    }


def run_demo(state_dir: Path, record_dir: Path, secrets_dir: Path) -> DemoRun:
    (secrets_dir / "secrets.json").write_text(json.dumps(known_secrets()))
    env = {
        **os.environ,
        "BASIS_LOCAL_STATE_DIR": str(state_dir),
        SECRETS_FILE_VARIABLE: str(secrets_dir / "secrets.json"),
        # every wallet is under the gas threshold: the gas funder signs top-ups with its key
        "BASIS_GAS_THRESHOLD_ETH": "1",
        "BASIS_GAS_TOP_UP_TO_ETH": "2",
    }
    for variable, _ in PORTS.values():
        env[variable] = str(free_port())
    command = ["-m", "tests.e2e.recorded_demo", str(record_dir), str(secrets_dir), "demo", "--speed", "120"]
    run = [sys.executable, *command]
    result = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return DemoRun(result, env, state_dir, record_dir, secrets_dir)
