"""Asgard on the local stack: a user's Privy Solana server wallet (bound to the product's Solana
policy) opens a 3x SOL long through ``AsgardPositionManager``, health follows the price, interest
accrues, the close pays the equity back, and every balance reconciles to the base unit."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
from solders.hash import Hash
from solders.instruction import Instruction
from solders.message import Message
from solders.null_signer import NullSigner
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

from basis.policies.rules import build_solana_policy
from basis.policies.settings import PolicySettings
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.errors import PolicyDeniedError
from basis.signing.settings import SigningSettings
from basis.signing.signer import PrivyWalletSigner
from basis.venues.asgard.client import AsgardError, AsgardPositionManager
from basis.venues.solana.client import SolanaClient
from local.runtime.stack import LocalStack

POLICY = build_solana_policy(PolicySettings())
FAST: dict[str, Any] = {"retry_jitter": 0, "retry_base_delay": 0.0, "retry_max_delay": 0.0}
SOL, USDC, FEE = 10**9, 10**6, 5000


@pytest.fixture(scope="module")
def policy_id(privy_client: Any) -> str:
    return str(privy_client.policies.create(**POLICY).id)


def solana_signer(privy_client: Any, policy_id: str, *, local_policy: bool = True) -> PrivyWalletSigner:
    wallet = privy_client.wallets.create(chain_type="solana", policy_ids=[policy_id])
    return PrivyWalletSigner(
        f"did:privy:{uuid.uuid4().hex[:10]}",
        wallet.id,
        wallet.address,
        "solana",
        policy=POLICY if local_policy else None,
        breaker=SharedCircuitBreaker(f"asgard-{uuid.uuid4().hex[:8]}"),
        settings=SigningSettings(**FAST),
        client=privy_client,
        authorization_key="",
        sleep=lambda s: None,
    )


@pytest.fixture
def price(stack: LocalStack) -> Iterator[None]:
    stack.asgard.set_price(150)
    try:
        yield
    finally:
        stack.asgard.set_price(150)


def test_a_3x_long_opens_tracks_health_accrues_and_closes_reconciling_to_the_base_unit(
    stack: LocalStack, privy_client: Any, policy_id: str, price: None
) -> None:
    signer = solana_signer(privy_client, policy_id)
    owner = str(signer.wallet_address)
    stack.solana.airdrop_sol(owner, 1 * SOL)
    stack.solana.mint_usdc(owner, 1000 * USDC)
    solana = SolanaClient(stack.url("solana"))
    vault = str(stack.asgard.vault.pubkey())
    vault_before = solana.usdc_balance(vault)
    manager = AsgardPositionManager(stack.url("asgard"), signer, solana)

    position = manager.open_long(Decimal("300"), 3)
    # 300 USDC at 3x and 150 USD/SOL: 600 USDC borrowed, 6 SOL held.
    assert (position.collateral, position.debt, position.size_lamports) == (300 * USDC, 600 * USDC, 6 * SOL)
    assert position.active and position.entry_price == Decimal("150")
    assert solana.usdc_balance(owner) == 700 * USDC
    assert solana.usdc_balance(vault) - vault_before == 300 * USDC
    assert solana.signature_status(str(position.open_tx))["err"] is None  # type: ignore[index]
    # Liquidation at debt / (size x 0.9) = 111.11 USD: the price can fall 25.92 %.
    assert manager.health(position.pda).health_factor == Decimal("25.92")
    assert manager.health(position.pda).assets_qt == 6 and manager.health(position.pda).liabs_qt == 600

    stack.asgard.set_price(140)
    assert manager.health(position.pda).health_factor == Decimal("20.63")
    requests.post(f"{stack.url('asgard')}/_local/price", json={"price": 165}, timeout=5).raise_for_status()
    assert manager.health(position.pda).health_factor == Decimal("32.65")
    interest = stack.asgard.accrue(24)
    assert interest >= 131_506  # 600 USDC x 8 % APY x 24 h (other tests' positions may add theirs)
    assert [p.pda for p in manager.positions()] == [position.pda]

    closed = manager.close(position.pda)
    # Equity = 6 SOL x 165 - (600 USDC + 24 h of interest) = 990 - 600.131506 USDC.
    assert closed.proceeds == closed.reported == 389_868_494
    assert closed.position.status == "closed" and closed.position.debt == 600_131_506
    assert solana.usdc_balance(owner) == 1000 * USDC - 300 * USDC + 389_868_494
    assert solana.usdc_balance(vault) - vault_before == 300 * USDC - 389_868_494
    assert solana.sol_balance(owner) == 1 * SOL - FEE - 2 * FEE  # open: 1 signature; close: owner + vault
    assert manager.positions() == [] and manager.positions(open_only=False)[0].close_tx == closed.tx_hash
    with pytest.raises(AsgardError) as again:
        manager.close(position.pda)
    assert again.value.status == 409


def test_a_signed_open_is_accepted_once_and_only_as_built(
    stack: LocalStack, privy_client: Any, policy_id: str, price: None
) -> None:
    signer = solana_signer(privy_client, policy_id)
    owner = str(signer.wallet_address)
    stack.solana.airdrop_sol(owner, SOL)
    stack.solana.mint_usdc(owner, 100 * USDC)
    url = stack.url("asgard")
    body = {
        "protocol": 1,
        "direction": 0,
        "collateralType": 1,
        "collateralAmountNative": 50 * USDC,
        "leverage": 2,
        "walletPubkey": owner,
    }
    built = requests.post(f"{url}/create-position", json=body, timeout=5).json()
    unsigned = built["signedTxs"][0]
    signed = signer.sign_solana_transaction(unsigned)
    forged = dict(built, signedTxs=[unsigned])  # not signed by the owner: the chain refuses it
    assert requests.post(f"{url}/submit-create-position-tx", json=forged, timeout=5).status_code == 400
    rebuilt = requests.post(f"{url}/create-position", json=body, timeout=5).json()
    wrong = dict(rebuilt, signedTxs=[signed])  # a signature over another transaction
    assert requests.post(f"{url}/submit-create-position-tx", json=wrong, timeout=5).status_code == 400
    third = requests.post(f"{url}/create-position", json=body, timeout=5).json()
    ok = dict(third, signedTxs=[signer.sign_solana_transaction(third["signedTxs"][0])])
    first = requests.post(f"{url}/submit-create-position-tx", json=ok, timeout=5)
    assert first.status_code == 200 and first.json()["state"] == 0
    assert requests.post(f"{url}/submit-create-position-tx", json=ok, timeout=5).status_code == 409
    assert stack.solana.usdc_balance(owner) == 50 * USDC  # one position's collateral, once
    assert requests.get(f"{url}/positions", params={"owner": owner}, timeout=5).json()[0]["protocol"] == 1


def test_a_transaction_the_solana_policy_forbids_is_refused_by_privy(
    stack: LocalStack, privy_client: Any, policy_id: str
) -> None:
    signer = solana_signer(privy_client, policy_id, local_policy=False)
    owner = Pubkey.from_string(str(signer.wallet_address))
    stack.solana.airdrop_sol(owner, SOL)
    unknown_program = Pubkey.from_string("AsgardXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX1")
    blockhash, _ = SolanaClient(stack.url("solana")).latest_blockhash()
    message = Message.new_with_blockhash(
        [Instruction(unknown_program, b"\x01", [])], owner, Hash.from_string(blockhash)
    )
    tx = base64.b64encode(bytes(VersionedTransaction(message, [NullSigner(owner)]))).decode()
    with pytest.raises(PolicyDeniedError) as denied:
        signer.sign_solana_transaction(tx)
    assert not denied.value.preflight  # Privy itself refused (no local policy copy on this signer)
    with_copy = PrivyWalletSigner(
        signer.user_id,
        signer.wallet_id,
        signer.wallet_address,
        "solana",
        policy=POLICY,
        client=privy_client,
        authorization_key="",
    )
    with pytest.raises(PolicyDeniedError) as preflight:
        with_copy.sign_solana_transaction(tx)
    assert preflight.value.preflight


def test_the_stack_serves_the_simulator_with_the_shared_local_contract(stack: LocalStack) -> None:
    url = stack.url("asgard")
    assert requests.get(url, timeout=5).json()["service"] == "asgard"
    assert requests.get(f"{url}/_local/health", timeout=5).json()["ok"] is True
    markets = requests.get(f"{url}/markets", timeout=5).json()
    sources = markets["strategies"]["SOL/USDC"]["liquiditySources"]
    assert [s["lendingProtocol"] for s in sources] == [0, 1, 2, 3]
    bad = {"protocol": 0, "collateralAmountNative": 10, "leverage": 9, "walletPubkey": str(Pubkey.default())}
    answer = requests.post(f"{url}/create-position", json=bad, timeout=5)
    assert answer.status_code == 400 and "leverage" in answer.json()["error"]
    requests.post(f"{url}/_local/faults", json={"path": "/markets", "status": 503}, timeout=5)
    assert requests.get(f"{url}/markets", timeout=5).status_code == 503
    assert requests.get(f"{url}/markets", timeout=5).status_code == 200


def test_the_proceeds_of_a_close_are_its_own_transaction_s_not_what_else_landed_meanwhile(
    stack: LocalStack, privy_client: Any, policy_id: str, price: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the fault soak: two longs of one user closing at once each recorded both payouts
    (the wallet's balance change over a window the other close also landed in)."""
    signer = solana_signer(privy_client, policy_id)
    owner = str(signer.wallet_address)
    stack.solana.airdrop_sol(owner, 1 * SOL)
    stack.solana.mint_usdc(owner, 500 * USDC)
    manager = AsgardPositionManager(stack.url("asgard"), signer, SolanaClient(stack.url("solana")))
    position = manager.open_long(Decimal("100"), 3)
    submit = manager._post

    def another_payout_lands_meanwhile(path: str, body: dict[str, Any]) -> Any:
        answer = submit(path, body)
        if path == "/submit-close-position-tx":
            stack.solana.mint_usdc(owner, 77 * USDC)  # e.g. the user's other long closing
        return answer

    monkeypatch.setattr(manager, "_post", another_payout_lands_meanwhile)
    closed = manager.close(position.pda)

    assert closed.proceeds == closed.reported == 100 * USDC  # 100 USDC of equity at an unchanged price
