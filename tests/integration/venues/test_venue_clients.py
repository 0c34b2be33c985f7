"""The product's EVM-side venue clients on the local stack, wired through ``UserTradingContext``:
a signed-in user's Privy wallets get gas from the ``GasFunder``, deposit USDC to Bridge2 through
``ArbitrumClient`` (Privy signs), trade a 1 SOL short on the Hyperliquid simulator through
``HyperliquidTrader`` (Privy-signed orders), earn funding, close, withdraw, and every balance
reconciles to the cent."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests
from eth_account import Account

from basis.policies.amounts import AmountError
from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.settings import SigningSettings
from basis.venues.arbitrum.gas import FunderLowError, GasFunder
from basis.venues.context import UserTradingContext
from local.chains.dev_accounts import GAS_FUNDER
from local.chains.evm_deploy import rpc
from local.chains.evm_funding import fund_eth, mint_usdc, usdc_balance
from local.runtime.stack import LocalStack
from tests.helpers import privy_rpc_calls, sign_in, wait_for

USDC = 10**6
FAST = SigningSettings(retry_jitter=0, retry_base_delay=0.0, retry_max_delay=0.0)


@pytest.fixture(scope="module")
def context(stack: LocalStack) -> Iterator[UserTradingContext]:
    user_id = sign_in(stack, "venues")
    yield UserTradingContext.from_user_id(
        user_id, breaker=SharedCircuitBreaker(f"venues-{uuid.uuid4().hex[:8]}"), signing_settings=FAST
    )


def test_context_reads_wallet_ids_from_the_users_row(stack: LocalStack, context: UserTradingContext) -> None:
    wallets = {
        w["id"]: w for w in requests.get(f"{stack.url('privy')}/_local/wallets", timeout=10).json()["wallets"]
    }
    assert context.evm_wallet_id is not None and context.solana_wallet_id is not None
    assert wallets[context.evm_wallet_id]["address"] == context.evm_address
    assert wallets[context.solana_wallet_id]["address"] == context.solana_address
    signer = context.evm_signer()
    assert (signer.wallet_id, signer.wallet_address, signer.user_id) == (
        context.evm_wallet_id,
        context.evm_address,
        context.user_id,
    )
    assert context.get_hl_trader().address == context.evm_address
    assert context.get_arbitrum_client().signer is signer


def test_deposit_trade_funding_withdraw_reconciles_to_the_cent(
    stack: LocalStack, context: UserTradingContext
) -> None:
    evm, sim = stack.evm, stack.hyperliquid
    address = str(context.evm_address)
    arbitrum, trader = context.get_arbitrum_client(), context.get_hl_trader()

    # Gas: the funder tops the empty wallet up to 0.005 ETH; USDC: 150 minted on the local chain.
    funder = GasFunder(evm.rpc_url, GAS_FUNDER.private_key)
    top_up = funder.fund_if_needed(context.user_id, address)
    assert (top_up.status, arbitrum.eth_balance_wei()) == ("funded", 5 * 10**15)
    mint_usdc(evm, address, 150 * USDC)

    # Under the bridge minimum: refused before anything is signed (Privy never hears of it).
    calls = privy_rpc_calls(stack, str(context.evm_wallet_id))
    with pytest.raises(AmountError, match="below the bridge minimum"):
        arbitrum.deposit_to_bridge(Decimal("4.99"))
    assert privy_rpc_calls(stack, str(context.evm_wallet_id)) == calls

    since_ms = int(time.time() * 1000)
    deposit = arbitrum.deposit_to_bridge(100)
    receipt = arbitrum.wait_receipt(deposit.tx_hash)
    assert receipt.succeeded and privy_rpc_calls(stack, str(context.evm_wallet_id)) == calls + 1
    assert arbitrum.usdc_balance() == Decimal(50)
    credited = trader.wait_for_deposit(Decimal(100), since_ms=since_ms, timeout=30, poll=0.2)
    assert credited is not None and credited.usdc == Decimal(100)
    assert trader.account_state().account_value == trader.get_withdrawable_balance() == Decimal(100)

    # A 1 SOL short at mark 150, 8 hours of funding at +0.01 %/h (shorts receive), then close.
    sol = sim.state.markets["SOL"]
    saved = (sol.mark, list(sol.funding_path), sol.funding_step)
    sim.set_mark("SOL", Decimal(150))
    sim.set_funding_path("SOL", [Decimal("0.0001")])
    try:
        opened = trader.open_short("SOL", size=Decimal(1), leverage=5)
        assert (opened.status, opened.filled_sz, opened.avg_px) == ("filled", Decimal(1), Decimal("149.92"))
        short = trader.position("SOL")
        assert short is not None and short.szi == Decimal(-1) and short.leverage == 5
        assert trader.get_withdrawable_balance() < Decimal(100) - Decimal(30)  # margin is held
        sim.accrue_funding(8)
        assert trader.position("SOL").funding_since_open == Decimal("-0.12")  # type: ignore[union-attr]
        closed = trader.close_short("SOL")
        assert closed is not None and closed.avg_px == Decimal("150.08") and trader.position("SOL") is None
    finally:  # the simulator is shared by the session: leave SOL as it was
        sim.set_mark("SOL", saved[0])
        sim.set_funding_path("SOL", saved[1])
        sol.funding_step = saved[2]

    realized = trader.realized("SOL")
    fees, pnl, funding = realized.fees, realized.closed_pnl, realized.funding
    assert (fees, pnl, funding) == (Decimal("0.135"), Decimal("-0.16"), Decimal("0.12"))
    hl_balance = trader.get_withdrawable_balance()
    assert hl_balance == Decimal(100) - fees + pnl + funding == Decimal("99.825")

    # Withdraw everything: 1 USDC fee, the rest paid back on anvil by Bridge2.
    arriving = trader.withdraw(hl_balance, address)
    assert arriving == Decimal("98.825")
    wait_for(lambda: usdc_balance(evm, address) == 50 * USDC + 98_825_000, timeout=30)
    assert trader.account_state().account_value == 0
    # Reconciliation: 150 minted = on chain + on Hyperliquid + fees + withdraw fee - funding - pnl.
    assert Decimal(usdc_balance(evm, address)).scaleb(-6) + Decimal(1) + fees - funding - pnl == Decimal(150)
    assert arbitrum.eth_balance_wei() == 5 * 10**15 - receipt.fee_wei


def test_deposits_over_the_caps_are_refused_before_signing(
    stack: LocalStack, context: UserTradingContext
) -> None:
    arbitrum = context.get_arbitrum_client()
    calls = privy_rpc_calls(stack, str(context.evm_wallet_id))
    with pytest.raises(AmountError, match="per-transaction cap"):
        arbitrum.deposit_to_bridge(25_001)
    with pytest.raises(AmountError, match="more than 6 decimals"):
        arbitrum.deposit_to_bridge("10.0000001")
    assert privy_rpc_calls(stack, str(context.evm_wallet_id)) == calls


def test_gas_funder_tops_up_once_per_window_under_concurrency(stack: LocalStack) -> None:
    evm = stack.evm
    user_id, address = f"did:privy:gas-{uuid.uuid4().hex[:8]}", Account.create().address
    funder_before = GasFunder(evm.rpc_url, GAS_FUNDER.private_key).funder_balance_wei()
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(
                lambda _: GasFunder(evm.rpc_url, GAS_FUNDER.private_key).fund_if_needed(user_id, address),
                range(6),
            )
        )
    statuses = sorted(r.status for r in results)
    assert statuses.count("funded") == 1, statuses
    assert set(statuses) <= {"funded", "already_funded", "sufficient"}
    funder = GasFunder(evm.rpc_url, GAS_FUNDER.private_key)
    assert funder.balance_wei(address) == 5 * 10**15
    assert funder.funder_balance_wei() < funder_before - 5 * 10**15  # the amount plus its gas, once

    # Spent down again within the same window: the lease (not the balance) stops a second top-up.
    rpc(evm.web3(), "anvil_setBalance", [address, hex(10**14)])
    again = funder.fund_if_needed(user_id, address)
    assert (again.status, funder.balance_wei(address)) == ("already_funded", 10**14)
    later = GasFunder(evm.rpc_url, GAS_FUNDER.private_key, clock=lambda: time.time() + 3600)
    assert later.fund_if_needed(user_id, address).status == "funded"
    assert funder.balance_wei(address) == 5 * 10**15


def test_a_low_funder_stops_the_run_and_leaves_the_window_open(stack: LocalStack) -> None:
    evm = stack.evm
    poor = Account.create()
    fund_eth(evm.rpc_url, poor.address, 10**15)  # 0.001 ETH: less than one top-up
    users = [(f"did:privy:low-{uuid.uuid4().hex[:8]}", Account.create().address) for _ in range(3)]
    results = GasFunder(evm.rpc_url, poor.key.hex()).check_and_fund_users(users)
    assert [r.status for r in results] == ["funder_low"] * 3
    with pytest.raises(FunderLowError):
        GasFunder(evm.rpc_url, poor.key.hex()).fund_if_needed(*users[0])
    # Nothing was sent, so the window's claim was given back: a funded funder can still top up now.
    assert GasFunder(evm.rpc_url, GAS_FUNDER.private_key).fund_if_needed(*users[0]).status == "funded"
