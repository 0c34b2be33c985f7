"""``ArbitrumClient`` refuses bad deposits before touching the chain or the signer; its calldata is
the ABI's; ``GasFunder`` and ``UserTradingContext`` validate what they are built from."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak

from basis.policies.amounts import AmountError
from basis.policies.settings import PolicySettings, get_policy_settings
from basis.venues.arbitrum.client import ArbitrumClient, transfer_calldata
from basis.venues.arbitrum.gas import GasFunder
from basis.venues.context import UserTradingContext, WalletsNotReadyError

BRIDGE = PolicySettings().hyperliquid_bridge_address
USDC = PolicySettings().arbitrum_usdc_address
NOWHERE = "http://127.0.0.1:9"  # any chain access would fail with a connection error, not AmountError


class Signer:
    chain, wallet_address = "ethereum", "0x2222222222222222222222222222222222222222"

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send_eth_transaction(self, tx: dict[str, Any], **kwargs: Any) -> str:
        self.sent.append(tx)
        return "0x" + "00" * 32


@pytest.fixture
def env_cap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BASIS_MAX_AUTO_BRIDGE_USDC", "1000")
    get_policy_settings.cache_clear()
    yield
    get_policy_settings.cache_clear()


def test_transfer_calldata_is_the_abi_encoding() -> None:
    expected = keccak(text="transfer(address,uint256)")[:4] + encode(
        ["address", "uint256"], [BRIDGE, 123_456_789]
    )
    assert transfer_calldata(BRIDGE, 123_456_789) == "0x" + expected.hex()
    with pytest.raises(ValueError):
        transfer_calldata("0x1234", 1)


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (Decimal("4.999999"), "below the bridge minimum"),
        (0, "below the bridge minimum"),
        ("1000.000001", "MAX_AUTO_BRIDGE_USDC"),
        (25_001, "per-transaction cap"),
        ("5.0000001", "more than 6 decimals"),
        (-5, "non-negative"),
    ],
)
def test_bad_deposits_are_refused_before_the_chain_or_the_signer(
    env_cap: None, amount: Any, reason: str
) -> None:
    signer = Signer()
    client = ArbitrumClient(NOWHERE, signer, USDC, BRIDGE)  # type: ignore[arg-type]
    assert client.max_auto_bridge_usdc == Decimal(1000)
    with pytest.raises(AmountError, match=reason):
        client.deposit_to_bridge(amount)
    assert signer.sent == []


def test_acceptable_amounts_convert_exactly() -> None:
    client = ArbitrumClient(NOWHERE, Signer(), USDC, BRIDGE, max_auto_bridge_usdc=Decimal(25000))  # type: ignore[arg-type]
    assert client.check_deposit(5) == 5_000_000
    assert client.check_deposit("100.25") == 100_250_000
    assert client.check_deposit(Decimal(25000)) == 25_000_000_000


def test_gas_funder_validates_and_never_shows_its_key() -> None:
    key = "0x" + "11" * 32
    with pytest.raises(ValueError, match="private key"):
        GasFunder(NOWHERE, "")
    with pytest.raises(ValueError, match="above threshold"):
        GasFunder(NOWHERE, key, threshold_eth=Decimal("0.005"), top_up_to_eth=Decimal("0.005"))
    funder = GasFunder(NOWHERE, key, clock=lambda: 7200.5)
    assert funder.target_wei == 5 * 10**15 and funder.threshold_wei == 2 * 10**15
    assert "11" * 32 not in repr(funder) and funder.funder_address in repr(funder)


def test_a_context_without_wallets_refuses_venue_clients() -> None:
    context = UserTradingContext(
        "did:privy:x", None, None, None, None, "http://hl", NOWHERE, NOWHERE, NOWHERE
    )
    for make in (
        context.get_hl_trader,
        context.get_arbitrum_client,
        context.evm_signer,
        context.solana_signer,
    ):
        with pytest.raises(WalletsNotReadyError):
            make()
