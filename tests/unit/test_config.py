import pytest

from basis.config import ConfigurationError, Settings, load

GOOD = {
    "AWS_REGION": "eu-west-1",
    "BASIS_TABLE_PREFIX": "basis-dev-",
    "BASIS_PRIVY_API_URL": "https://api.privy.io",
    "BASIS_PRIVY_APP_ID": "app",
    "BASIS_HYPERLIQUID_API_URL": "https://api.hyperliquid.xyz",
    "BASIS_ARBITRUM_RPC_URL": "https://arb1.arbitrum.io/rpc",
    "BASIS_SOLANA_RPC_URL": "https://api.mainnet-beta.solana.com",
    "BASIS_ASGARD_API_URL": "https://api.asgard.finance",
    "BASIS_SECRET_NAME": "basis-dev-secrets",
}


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
    assert settings.aws_region == "eu-west-1"
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
