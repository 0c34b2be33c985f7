"""Hedges on the local stack: the open and close sagas (moto's Step Functions running our ASL, the
hedge_saga handler in-process) against the Hyperliquid and Asgard simulators, signed by the Privy
emulator's server wallets; paper hedges that never ask Privy for anything."""

from __future__ import annotations

import uuid
from decimal import Decimal

from basis.positions import service
from basis.risk import manager
from basis.risk import store as risks
from basis.strategy import store as strategies
from local.chains import solana_funding
from tests.api_client import ApiClient
from tests.helpers import privy_rpc_calls
from tests.integration.positions.conftest import (
    Hedger,
    asgard_positions,
    hyperliquid_szi,
    new_hedger,
    settled,
    short_fills,
)


def open_hedge(hedger: Hedger, mode: service.Mode = "live", intent_key: str | None = None) -> str:
    """A 150 USD hedge at 3x (1 SOL short, 1 SOL long on 50 USDC of collateral at 150)."""
    position = service.open_position(
        hedger.user_id,
        asset="SOL",
        size_usd=Decimal(150),
        leverage=Decimal(3),
        mode=mode,
        reason="test",
        intent_key=intent_key,
    )
    assert position.status == "opening"
    return position.position_id


def test_a_live_hedge_opens_both_legs_and_closes_them_through_the_api(
    api_client: ApiClient, hedger: Hedger
) -> None:
    stack = api_client.stack
    position_id = open_hedge(hedger)
    opened = settled(hedger.user_id, position_id)
    assert opened.status == "open", opened.error
    assert (opened.short.status, opened.long.status) == ("open", "open")
    # Exactly one short at Hyperliquid, tagged with the leg's cloid, and one long at Asgard.
    [fill] = short_fills(stack, hedger)
    assert fill["cloid"] == opened.short.client_id and fill["dir"] == "Open Short"
    assert opened.short.size == Decimal(1) and hyperliquid_szi(stack, hedger) == Decimal(-1)
    [long] = asgard_positions(stack, hedger)
    assert (long["positionPda"], long["status"]) == (opened.long.client_id, "active")
    assert opened.long.collateral_usd == Decimal(50) and opened.long.size == Decimal(1)

    stack.hyperliquid.accrue_funding(2)  # the short is paid funding; the long pays interest
    stack.asgard.accrue(2)
    answer = api_client.post(f"/positions/{position_id}/close", user=hedger.user_id)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "closing"
    closed = settled(hedger.user_id, position_id)
    assert closed.status == "closed", closed.error
    assert hyperliquid_szi(stack, hedger) == 0
    assert [p["status"] for p in asgard_positions(stack, hedger)] == ["closed"]
    assert closed.close_reason == "user_requested" and closed.closed_at is not None
    assert closed.short.funding_usd is not None and closed.short.funding_usd > 0
    assert closed.long.interest_usd is not None and closed.long.interest_usd > 0
    # The realized PnL is exactly what the user's USDC gained or lost at the two venues.
    hl_balance = stack.hyperliquid.state.accounts[hedger.evm_address.lower()].balance
    solana_usdc = Decimal(solana_funding.usdc_balance(stack.url("solana"), hedger.solana_address)) / 10**6
    assert closed.realized_pnl_usd == (hl_balance - 1000) + (solana_usdc - 500)
    assert [c.status for c in closed.history] == ["opening", "open", "closing", "closed"]
    again = api_client.post(f"/positions/{position_id}/close", user=hedger.user_id)  # idempotent
    assert (again.status_code, again.json()["status"]) == (200, "closed")


def test_a_paper_hedge_fills_from_the_book_and_never_asks_privy(api_client: ApiClient) -> None:
    hedger = new_hedger(api_client, hyperliquid_usdc=0, solana_usdc=0)  # paper needs no funds
    position_id = open_hedge(hedger, mode="paper")
    opened = settled(hedger.user_id, position_id)
    assert (opened.status, opened.mode) == ("open", "paper")
    book = api_client.stack.hyperliquid.state
    assert opened.short.entry_price is not None and opened.short.entry_price < book.markets["SOL"].mark
    assert opened.long.entry_price == api_client.stack.asgard.price
    service.close_position(hedger.user_id, position_id, "test")
    closed = settled(hedger.user_id, position_id)
    assert closed.status == "closed" and closed.realized_pnl_usd is not None
    assert short_fills(api_client.stack, hedger) == [] and asgard_positions(api_client.stack, hedger) == []
    assert privy_rpc_calls(api_client.stack, hedger.evm_wallet_id) == 0
    assert privy_rpc_calls(api_client.stack, hedger.solana_wallet_id) == 0
    detail = api_client.get(f"/positions/{position_id}", user=hedger.user_id).json()
    assert detail["mode"] == "paper"


def test_an_open_hedge_ends_the_failure_streak(api_client: ApiClient) -> None:
    hedger = new_hedger(api_client, hyperliquid_usdc=0, solana_usdc=0)
    manager.record_failure(hedger.user_id)
    assert manager.record_failure(hedger.user_id).consecutive_failures == 2  # one more would pause
    position_id = open_hedge(hedger, mode="paper")
    assert settled(hedger.user_id, position_id).status == "open"
    assert risks.get(hedger.user_id).consecutive_failures == 0  # the saga's finish step cleared it
    assert manager.record_failure(hedger.user_id).consecutive_failures == 1  # a new streak: no pause
    assert not strategies.get(hedger.user_id).paused


def test_one_intent_key_gives_one_position_and_one_saga(api_client: ApiClient, hedger: Hedger) -> None:
    key = uuid.uuid4().hex
    first = open_hedge(hedger, intent_key=key)
    second = service.open_position(
        hedger.user_id,
        asset="SOL",
        size_usd=Decimal(150),
        leverage=Decimal(3),
        mode="live",
        reason="again",
        intent_key=key,
    )
    assert second.position_id == first
    assert settled(hedger.user_id, first).status == "open"
    assert (
        len(short_fills(api_client.stack, hedger)) == 1
        and len(asgard_positions(api_client.stack, hedger)) == 1
    )
