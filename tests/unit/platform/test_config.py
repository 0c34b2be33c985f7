"""The platform settings from ``BASIS_*``, and the cold start that validates every capability's."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from basis.identity.settings import IdentitySettings
from basis.platform.config import Settings, get_settings
from basis.platform.errors import ConfigurationError
from basis.platform.runtime import bootstrap
from basis.platform.settings import _GETTERS, load, validate
from basis.scheduling.settings import SchedulingSettings, get_scheduling_settings
from basis.signing.settings import SigningSettings
from tests.bench.coldstart import DEPLOYED_ENV

GOOD = dict(DEPLOYED_ENV)  # what CDK sets on a function


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for key in list(os.environ):
        if key.startswith("BASIS_") or key == "AWS_REGION":
            monkeypatch.delenv(key)
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    yield monkeypatch
    for getter in _GETTERS.values():  # nothing read from this environment outlives the test
        getter.cache_clear()


def test_valid_environment_loads_and_names_tables(env: pytest.MonkeyPatch) -> None:
    settings = load(Settings)
    assert settings.aws_region == "us-east-1"
    assert settings.table_name("users") == "basis-dev-users"
    assert settings.endpoints()["hyperliquid"].startswith("https://api.hyperliquid.xyz")
    assert settings.dynamodb_endpoint_url is None
    assert settings.event_bus_name == "basis-dev-events"
    assert settings.health_cache_seconds == 10


def test_missing_setting_is_named(env: pytest.MonkeyPatch) -> None:
    env.delenv("BASIS_PRIVY_API_URL")
    with pytest.raises(ConfigurationError, match="BASIS_PRIVY_API_URL: Field required"):
        load(Settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BASIS_SOLANA_RPC_URL", "not a url"),
        ("BASIS_STAGE", "Prod Stage!"),
        ("BASIS_HEALTH_CACHE_SECONDS", "0"),
        ("BASIS_HEALTH_CACHE_SECONDS", "11"),
    ],
)
def test_malformed_setting_is_named(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        load(Settings)


def test_a_rule_across_variables_names_its_class(env: pytest.MonkeyPatch) -> None:
    env.setenv("BASIS_RETRY_BASE_DELAY", "5")
    with pytest.raises(ConfigurationError, match=r"SigningSettings: .*retry_max_delay must be at least"):
        load(SigningSettings)


def test_cold_start_fails_on_a_bad_variable_of_any_capability_naming_each(env: pytest.MonkeyPatch) -> None:
    env.setenv("BASIS_TOKEN_LEEWAY_SECONDS", "31")
    env.setenv("BASIS_RETRY_ATTEMPTS", "many")
    env.delenv("BASIS_SCAN_QUEUE_URL")
    with pytest.raises(ConfigurationError) as failed:
        bootstrap(IdentitySettings, SigningSettings, SchedulingSettings)
    message = str(failed.value)
    for name in (
        "BASIS_TOKEN_LEEWAY_SECONDS",
        "BASIS_RETRY_ATTEMPTS",
        "BASIS_SCAN_QUEUE_URL: Field required",
    ):
        assert name in message


def test_validation_reads_the_environment_afresh(env: pytest.MonkeyPatch) -> None:
    validate([Settings, SchedulingSettings])
    assert get_scheduling_settings().scan_queue_url == GOOD["BASIS_SCAN_QUEUE_URL"]
    env.setenv("BASIS_SCAN_QUEUE_URL", "https://sqs.example/other")
    env.setenv("BASIS_STAGE", "other")
    assert get_scheduling_settings().scan_queue_url == GOOD["BASIS_SCAN_QUEUE_URL"]  # read once...
    validate([Settings, SchedulingSettings])  # ...until the next cold start
    assert get_scheduling_settings().scan_queue_url == "https://sqs.example/other"
    assert get_settings().stage == "other"
