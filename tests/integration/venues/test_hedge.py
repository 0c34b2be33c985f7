"""Issue 6's acceptance: a 1 SOL delta-neutral hedge for a signed-in user — a Hyperliquid short and
an Asgard 3x long, both signed by the user's Privy server wallets — funding and interest accrue
over simulated hours while the price moves, both legs close, and the user's USDC across anvil, the
Hyperliquid simulator and LiteSVM reconciles to the base unit with every fee, funding payment,
interest charge and PnL accounted for."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

from basis.signing.breaker import SharedCircuitBreaker
from basis.signing.settings import SigningSettings
from basis.venues.arbitrum.gas import GasFunder
from basis.venues.context import UserTradingContext
from local.chains import solana_funding
from local.chains.dev_accounts import GAS_FUNDER
from local.chains.evm_funding import mint_usdc, usdc_balance
from local.runtime.stack import LocalStack
from tests.helpers import sign_in, wait_for

USDC = Decimal(10**6)
FAST = SigningSettings(retry_jitter=0, retry_base_delay=0.0, retry_max_delay=0.0)


def usdc(base_units: int) -> Decimal:
    return Decimal(base_units) / USDC


def test_open_accrue_close_a_hedge_and_reconcile_every_venue(stack: LocalStack) -> None:
    user_id = sign_in(stack, "hedge")
    ctx = UserTradingContext.from_user_id(
        user_id, breaker=SharedCircuitBreaker(f"hedge-{uuid.uuid4().hex[:6]}"), signing_settings=FAST
    )
    evm_address, sol_address = str(ctx.evm_address), str(ctx.solana_address)
    arbitrum, trader, asgard = ctx.get_arbitrum_client(), ctx.get_hl_trader(), ctx.get_asgard_manager()
    solana_url = stack.url("solana")

    # Funding: gas and 200 USDC on Arbitrum; 1 SOL and 100 USDC on Solana.
    GasFunder(stack.evm.rpc_url, GAS_FUNDER.private_key).fund_if_needed(user_id, evm_address)
    mint_usdc(stack.evm, evm_address, 200 * 10**6)
    solana_funding.airdrop_sol(solana_url, sol_address, 10**9)
    solana_funding.mint_usdc(solana_url, sol_address, 100 * 10**6)
    start_total = usdc(usdc_balance(stack.evm, evm_address)) + usdc(
        solana_funding.usdc_balance(solana_url, sol_address)
    )

    # Bridge 150 USDC to Hyperliquid (Privy signs the USDC transfer to Bridge2).
    since = int(time.time() * 1000)
    arbitrum.wait_receipt(arbitrum.deposit_to_bridge(150).tx_hash)
    assert trader.wait_for_deposit(Decimal(150), since_ms=since, timeout=30, poll=0.2) is not None

    sim, venue = stack.hyperliquid, stack.asgard
    sol_market = sim.state.markets["SOL"]
    saved = (sol_market.mark, list(sol_market.funding_path), sol_market.funding_step, venue.price)
    sim.set_mark("SOL", Decimal(150))
    venue.set_price(150)
    sim.set_funding_path("SOL", [Decimal("0.0001")])  # +0.01 %/h: the short is paid
    try:
        # The hedge: short 1 SOL on Hyperliquid, long 1 SOL on Asgard (50 USDC at 3x = 1 SOL at 150).
        short = trader.open_short("SOL", size=Decimal(1), leverage=3)
        long = asgard.open_long(Decimal(50), Decimal(3))
        assert short.filled_sz == Decimal(1) and long.size_lamports == 10**9
        debt_before = int(long.debt or 0)

        # 8 hours pass and SOL rises to 160: funding to the short, interest on the long's debt.
        sim.accrue_funding(8)
        venue.accrue(8)
        sim.set_mark("SOL", Decimal(160))
        venue.set_price(160)
        debt_after = int(next(p for p in asgard.positions() if p.pda == long.pda).debt or 0)
        interest = usdc(debt_after - debt_before)
        assert interest > 0

        closed_short = trader.close_short("SOL")
        closed_long = asgard.close(long.pda)
        assert closed_short is not None and trader.position("SOL") is None
        assert closed_long.proceeds == closed_long.reported
    finally:  # the simulators are shared by the session: put SOL back as it was
        sim.set_mark("SOL", saved[0])
        sim.set_funding_path("SOL", saved[1])
        sol_market.funding_step = saved[2]
        venue.set_price(saved[3])

    # Hyperliquid leg: what the venue reports, fill by fill.
    realized = trader.realized("SOL")
    hl_fees, hl_pnl, funding = realized.fees, realized.closed_pnl, realized.funding
    assert funding > 0  # the short received funding
    hl_balance = trader.get_withdrawable_balance()
    assert hl_balance == Decimal(150) - hl_fees + hl_pnl + funding

    # Asgard leg: 1 SOL bought at 150 with 100 borrowed, sold at 160: equity = 160 - 100 - interest.
    asgard_pnl = Decimal(10)
    assert usdc(closed_long.proceeds) == Decimal(50) + asgard_pnl - interest

    # Delta-neutral: the price move nets out across the legs (within the short's slippage).
    assert abs(hl_pnl + asgard_pnl) < Decimal("0.5")

    # Withdraw everything from Hyperliquid (1 USDC fee) and reconcile the user's USDC everywhere.
    arriving = trader.withdraw(hl_balance, evm_address)
    wait_for(lambda: usdc(usdc_balance(stack.evm, evm_address)) == Decimal(50) + arriving, timeout=30)
    end_total = usdc(usdc_balance(stack.evm, evm_address)) + usdc(
        solana_funding.usdc_balance(solana_url, sol_address)
    )
    assert end_total == start_total - hl_fees + hl_pnl + funding - Decimal(1) + asgard_pnl - interest
    assert trader.account_state().account_value == 0
