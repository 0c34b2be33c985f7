"""Identity settings: CORS origins as a comma-separated list, a bounded token leeway."""

from __future__ import annotations

import os

import pytest

from basis.identity.settings import IdentitySettings
from basis.platform.errors import ConfigurationError
from basis.platform.settings import load


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.startswith("BASIS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("BASIS_PRIVY_VERIFICATION_KEY", "pem")
    return monkeypatch


def test_defaults_allow_no_origin_and_30_seconds_of_leeway(env: pytest.MonkeyPatch) -> None:
    settings = load(IdentitySettings)
    assert settings.cors_allowed_origins == ()
    assert settings.token_leeway_seconds == 30


def test_origins_are_comma_separated(env: pytest.MonkeyPatch) -> None:
    env.setenv("BASIS_CORS_ALLOWED_ORIGINS", "https://app.basis.example, http://localhost:3000,")
    env.setenv("BASIS_TOKEN_LEEWAY_SECONDS", "0")
    settings = load(IdentitySettings)
    assert settings.cors_allowed_origins == ("https://app.basis.example", "http://localhost:3000")
    assert settings.token_leeway_seconds == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BASIS_CORS_ALLOWED_ORIGINS", "https://app.basis.example/"),
        ("BASIS_CORS_ALLOWED_ORIGINS", "app.basis.example"),
        ("BASIS_TOKEN_LEEWAY_SECONDS", "31"),
        ("BASIS_TOKEN_LEEWAY_SECONDS", "-1"),
        ("BASIS_PRIVY_VERIFICATION_KEY", ""),
    ],
)
def test_bad_values_are_named(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        load(IdentitySettings)
