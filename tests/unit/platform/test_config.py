import pytest

from basis.platform.config import Settings, load
from basis.platform.errors import ConfigurationError
from tests.bench.coldstart import DEPLOYED_ENV

GOOD = dict(DEPLOYED_ENV)  # what CDK sets on a function


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(__import__("os").environ):
        if key.startswith("BASIS_") or key == "AWS_REGION":
            monkeypatch.delenv(key)
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_valid_environment_loads_and_names_tables(env: pytest.MonkeyPatch) -> None:
    settings = load(Settings)
    assert settings.aws_region == "us-east-1"
    assert settings.table_name("users") == "basis-dev-users"
    assert settings.endpoints()["hyperliquid"].startswith("https://api.hyperliquid.xyz")
    assert settings.dynamodb_endpoint_url is None


def test_missing_setting_is_named(env: pytest.MonkeyPatch) -> None:
    env.delenv("BASIS_PRIVY_API_URL")
    with pytest.raises(ConfigurationError, match="BASIS_PRIVY_API_URL: Field required"):
        load(Settings)


def test_malformed_url_is_named(env: pytest.MonkeyPatch) -> None:
    env.setenv("BASIS_SOLANA_RPC_URL", "not a url")
    with pytest.raises(ConfigurationError, match="BASIS_SOLANA_RPC_URL"):
        load(Settings)


def test_bad_stage_is_rejected(env: pytest.MonkeyPatch) -> None:
    env.setenv("BASIS_STAGE", "Prod Stage!")
    with pytest.raises(ConfigurationError, match="BASIS_STAGE"):
        load(Settings)
