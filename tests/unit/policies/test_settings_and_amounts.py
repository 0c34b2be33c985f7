"""PolicySettings from BASIS_* variables, base-unit conversion and the bridge-deposit guard."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from basis.chains.amounts import AmountError, lamports, usdc_base_units
from basis.policies.amounts import require_bridge_deposit
from basis.policies.settings import PolicySettings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("BASIS_"):
            monkeypatch.delenv(key)
    return monkeypatch


def test_defaults_are_the_seed_values(clean_env: pytest.MonkeyPatch) -> None:
    settings = PolicySettings()
    assert (settings.max_usdc_per_tx, settings.max_usdc_daily) == (25000, 50000)
    assert settings.arbitrum_usdc_address == "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"
    assert settings.hyperliquid_bridge_address == "0x2Df1c51E09aECF9cacB7bc98cB1742757f163dF7"
    assert settings.asgard_program_id is None
    assert settings.minimum_bridge_deposit_usdc == 5


def test_environment_overrides(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("BASIS_MAX_USDC_PER_TX", "1000")
    clean_env.setenv("BASIS_MAX_SOL_PER_TX", "0.5")
    clean_env.setenv("BASIS_ASGARD_PROGRAM_ID", "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin")
    clean_env.setenv("BASIS_SOLANA_EXTRA_PROGRAM_IDS", '["MFv2hWf31Z9kbCa1snEPYctwafyhdvnV7FZnsebVacA"]')
    settings = PolicySettings()
    assert settings.max_usdc_per_tx == Decimal(1000) and settings.max_sol_per_tx == Decimal("0.5")
    assert settings.allowed_solana_programs()[-2:] == [
        "MFv2hWf31Z9kbCa1snEPYctwafyhdvnV7FZnsebVacA",
        "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {"arbitrum_usdc_address": "0x1234"},
        {"hyperliquid_bridge_address": "2Df1c51E09aECF9cacB7bc98cB1742757f163dF7"},
        {"asgard_program_id": "0xnot-base58"},
        {"max_usdc_per_tx": 0},
        {"max_usdc_per_tx": 60000},  # over the daily cap
        {"minimum_bridge_deposit_usdc": 4},  # the real bridge loses deposits under 5 USDC
        {"max_auto_bridge_usdc": 4},  # every automatic deposit would be refused
        {"max_sol_daily": 0},
        {"solana_extra_program_ids": ["O0Il"]},
    ],
)
def test_bad_settings_are_refused(clean_env: pytest.MonkeyPatch, overrides: dict) -> None:
    with pytest.raises(ValidationError):
        PolicySettings(**overrides)


def test_daily_caps_are_in_base_units(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("BASIS_MAX_SPL_DAILY", "7.5")
    clean_env.setenv("BASIS_SPL_CAP_DECIMALS", "2")
    caps = PolicySettings().daily_caps()
    assert caps == {"USDC": 50_000_000_000, "SOL": 50_000_000_000, "SPL": 750}


def test_conversions_are_exact() -> None:
    assert usdc_base_units("25000") == 25_000_000_000
    assert usdc_base_units(Decimal("0.000001")) == 1
    assert lamports("1.5") == 1_500_000_000
    for bad in ("0.0000001", "-1", "nan", "abc"):
        with pytest.raises(AmountError):
            usdc_base_units(bad)


@pytest.mark.parametrize(
    ("amount", "expected"), [("5", 5_000_000), ("5.000001", 5_000_001), ("25000", 25 * 10**9)]
)
def test_bridge_deposit_within_bounds(amount: str, expected: int) -> None:
    assert require_bridge_deposit(amount, PolicySettings()) == expected


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [
        ("4.999999", "below the bridge minimum"),
        ("0", "below the bridge minimum"),
        ("25000.000001", "over the per-transaction cap"),
        ("10.0000001", "decimals"),
    ],
)
def test_bridge_deposit_refused(amount: str, fragment: str) -> None:
    with pytest.raises(AmountError, match=fragment):
        require_bridge_deposit(amount, PolicySettings())
