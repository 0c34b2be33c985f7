"""The local stack's secret values: made per run, or given by ``BASIS_LOCAL_SECRETS_FILE`` (the e2e
leak test's known values), only for fields the deployment's secret has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.runtime.stack import SECRETS_FILE_VARIABLE, configured_secrets


def test_no_file_gives_no_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRETS_FILE_VARIABLE, raising=False)
    assert configured_secrets() == {}


def test_the_file_gives_the_values_of_the_secrets_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = {"privy_app_secret": "known-app-secret", "gas_funder_private_key": "0x" + "ab" * 32}
    (tmp_path / "secrets.json").write_text(json.dumps(given))
    monkeypatch.setenv(SECRETS_FILE_VARIABLE, str(tmp_path / "secrets.json"))
    assert configured_secrets() == given
    (tmp_path / "secrets.json").write_text(json.dumps({**given, "admin_password": "x", "api_key": "y"}))
    with pytest.raises(ValueError, match="not fields of the secret: admin_password, api_key"):
        configured_secrets()
