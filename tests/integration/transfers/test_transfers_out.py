"""Transfers out of a server wallet, signed by the user's own key, through the API on the local
stack: balances are checked on chain (anvil, LiteSVM); the platform's key alone cannot do it; one
user cannot move another's funds; a retried request with one Idempotency-Key sends once."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from basis.policies.settings import get_policy_settings
from basis.signing.errors import PolicyDeniedError
from basis.signing.signer import PrivyWalletSigner
from basis.venues.arbitrum.client import transfer_calldata
from basis.venues.solana.client import SolanaClient
from basis.venues.solana.instructions import associated_token_address
from local.chains.evm_deploy import deploy
from local.chains.evm_funding import usdc_balance
from local.cli.funding import Funding, fund_user
from tests.api_client import ApiClient, new_user_id
from tests.helpers import sign_in


def stack_urls(api_client: ApiClient) -> dict[str, str]:
    return {name: api_client.stack.url(name) for name in ("anvil", "solana")}


@pytest.fixture
def funded(api_client: ApiClient) -> tuple[str, dict[str, Any]]:
    user_id = sign_in(api_client.stack, "out")
    fund_user(
        stack_urls(api_client),
        user_id,
        Funding(usdc=Decimal(100), eth=Decimal("0.01"), sol=Decimal(1), solana_usdc=Decimal(50)),
    )
    return user_id, api_client.get("/wallets/server", user=user_id).json()


def send(api_client: ApiClient, user_id: str, key: str | None = None, **body: str) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return api_client.post("/wallets/transfers", user=user_id, json=body, headers=headers)


def test_usdc_and_eth_leave_the_evm_wallet_once_per_idempotency_key(
    api_client: ApiClient, funded: tuple[str, dict[str, Any]]
) -> None:
    user_id, _ = funded
    anvil = deploy(api_client.stack.url("anvil"))
    to = Account.create().address
    key = uuid.uuid4().hex
    first = send(api_client, user_id, key, chain="ethereum", asset="USDC", amount="12.5", to=to)
    assert first.status_code == 200, first.text
    assert first.json()["stage"] == "sent" and first.json()["tx_hash"].startswith("0x")
    again = send(api_client, user_id, key, chain="ethereum", asset="USDC", amount="12.5", to=to)
    assert again.json() == first.json()
    assert usdc_balance(anvil, to) == 12_500_000  # once, not twice
    reused = send(api_client, user_id, key, chain="ethereum", asset="USDC", amount="13", to=to)
    assert reused.status_code == 409

    eth = send(api_client, user_id, None, chain="ethereum", asset="ETH", amount="0.001", to=to)
    assert eth.status_code == 200, eth.text
    assert anvil.web3().eth.get_balance(to) == 10**15


def test_usdc_and_sol_leave_the_solana_wallet_creating_the_token_account(
    api_client: ApiClient, funded: tuple[str, dict[str, Any]]
) -> None:
    user_id, _ = funded
    chain = SolanaClient(api_client.stack.url("solana"))
    recipient = str(Keypair().pubkey())
    usdc = send(api_client, user_id, "sol-usdc-1", chain="solana", asset="USDC", amount="5", to=recipient)
    assert usdc.status_code == 200, usdc.text
    chain.confirm(usdc.json()["tx_hash"])
    mint = Pubkey.from_string(get_policy_settings().solana_usdc_mint)
    assert chain.account_exists(str(associated_token_address(Pubkey.from_string(recipient), mint)))
    assert chain.usdc_balance(recipient, str(mint)) == 5_000_000
    sol = send(api_client, user_id, None, chain="solana", asset="SOL", amount="0.1", to=recipient)
    assert sol.status_code == 200, sol.text
    chain.confirm(sol.json()["tx_hash"])
    assert chain.sol_balance(recipient) == 100_000_000


def test_the_platform_key_alone_cannot_send_out(
    api_client: ApiClient, funded: tuple[str, dict[str, Any]]
) -> None:
    user_id, wallets = funded
    anvil = deploy(api_client.stack.url("anvil"))
    to = Account.create().address
    platform = PrivyWalletSigner(user_id, wallets["evm_wallet_id"], wallets["evm_address"], "ethereum")
    tx = {
        "to": anvil.usdc_address,
        "data": transfer_calldata(to, 1_000_000),
        "value": "0x0",
        "chain_id": 31337,
    }
    with pytest.raises(PolicyDeniedError):
        platform.sign_eth_transaction(tx)
    assert usdc_balance(anvil, to) == 0


def test_another_users_token_moves_nothing(api_client: ApiClient, funded: tuple[str, dict[str, Any]]) -> None:
    owner, wallets = funded
    mallory = sign_in(api_client.stack, "mallory")
    anvil = deploy(api_client.stack.url("anvil"))
    before = usdc_balance(anvil, wallets["evm_address"])
    to = Account.create().address
    # Through the API, Mallory's token can only ever reach Mallory's own (empty) wallet.
    answer = send(api_client, mallory, None, chain="ethereum", asset="USDC", amount="1", to=to)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "insufficient_funds"
    # Straight at Privy, Mallory's user key is not the owner of the victim's wallet.
    signer = PrivyWalletSigner(
        owner,
        wallets["evm_wallet_id"],
        wallets["evm_address"],
        "ethereum",
        user_access_token=api_client.user_token(mallory),
    )
    tx = {
        "to": anvil.usdc_address,
        "data": transfer_calldata(to, 1_000_000),
        "value": "0x0",
        "chain_id": 31337,
    }
    with pytest.raises(Exception):  # noqa: B017 - Privy refuses: 401/403 for a key that is not the owner's
        signer.sign_eth_transaction(tx)
    assert usdc_balance(anvil, wallets["evm_address"]) == before and usdc_balance(anvil, to) == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"chain": "ethereum", "asset": "SOL", "amount": "1", "to": "0x" + "a" * 40},
            400,
            "validation_error",
        ),
        (
            {"chain": "ethereum", "asset": "USDC", "amount": "1.0000001", "to": "0x" + "a" * 40},
            400,
            "invalid_amount",
        ),
        ({"chain": "ethereum", "asset": "USDC", "amount": "0", "to": "0x" + "a" * 40}, 400, "invalid_amount"),
        (
            {"chain": "ethereum", "asset": "USDC", "amount": "1", "to": "0xAAaa" + "a" * 36},
            400,
            "validation_error",
        ),
        (
            {"chain": "solana", "asset": "SOL", "amount": "1", "to": "0OIl" + "1" * 40},
            400,
            "validation_error",
        ),
        (
            {"chain": "ethereum", "asset": "USDC", "amount": "1000", "to": "0x" + "a" * 40},
            422,
            "insufficient_funds",
        ),
        (
            {"chain": "solana", "asset": "SOL", "amount": "5", "to": str(Keypair().pubkey())},
            422,
            "insufficient_funds",
        ),
    ],
)
def test_what_would_fail_is_refused_before_signing(
    api_client: ApiClient, funded: tuple[str, dict[str, Any]], body: dict[str, str], status: int, code: str
) -> None:
    user_id, _ = funded
    answer = send(api_client, user_id, uuid.uuid4().hex, **body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code


def test_a_service_token_can_never_send(api_client: ApiClient, funded: tuple[str, dict[str, Any]]) -> None:
    user_id, _ = funded
    token = api_client.service_token(user_id, role="admin")
    body = {"chain": "ethereum", "asset": "USDC", "amount": "1", "to": "0x" + "a" * 40}
    answer = api_client.post("/wallets/transfers", token=token, json=body)
    assert answer.status_code == 403


def test_a_user_without_wallets_is_told_so(api_client: ApiClient) -> None:
    body = {"chain": "ethereum", "asset": "USDC", "amount": "1", "to": "0x" + "a" * 40}
    answer = api_client.post("/wallets/transfers", user=new_user_id("nobody"), json=body)
    assert answer.status_code == 404
