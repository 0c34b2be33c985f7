"""What funding-arbitrage bots get wrong, as tests on the local stack: one leg filled and the other
refused (unwound: nothing left open), an unwind that cannot finish and a close that fails on one
leg (``stuck_unwind``, alarmed, nothing re-opened), a close asked for while the hedge is opening."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from basis.positions import hedge_saga, service
from basis.positions.saga import StepInput
from local.runtime.stack import LocalStack
from tests.api_client import ApiClient
from tests.integration.positions.conftest import (
    Hedger,
    asgard_positions,
    execution,
    hyperliquid_szi,
    new_hedger,
    settled,
    short_fills,
)
from tests.integration.positions.faults import refuse
from tests.integration.positions.test_hedges import open_hedge

REFUSED = {"status": "err", "response": "Insufficient margin to place order. asset=2"}


@pytest.fixture(autouse=True)
def clear_faults(stack: LocalStack) -> Iterator[None]:
    yield
    stack.hyperliquid.clear_faults()
    stack.asgard.clear_faults()


def test_a_long_asgard_refuses_is_unwound_and_nothing_is_left_open(api_client: ApiClient) -> None:
    stack = api_client.stack
    hedger = new_hedger(api_client, solana_usdc=0)  # Asgard refuses: no USDC for the collateral
    position_id = open_hedge(hedger)
    failed = settled(hedger.user_id, position_id)
    assert failed.status == "failed", failed
    assert (failed.short.status, failed.long.status) == ("closed", "failed")
    assert "USDC" in (failed.long.error or "") and failed.error
    assert hyperliquid_szi(stack, hedger) == 0 and asgard_positions(stack, hedger) == []
    assert [f["dir"] for f in short_fills(stack, hedger)] == ["Open Short", "Close Short"]
    assert [c.status for c in failed.history] == ["opening", "unwinding", "failed"]
    assert failed.realized_pnl_usd is not None and failed.realized_pnl_usd < 0  # fees and spread
    assert execution(stack, "hedge-open-saga", position_id)["status"] == "FAILED"


def test_a_short_hyperliquid_refuses_opens_nothing(api_client: ApiClient) -> None:
    hedger = new_hedger(api_client, hyperliquid_usdc=0)  # no Hyperliquid account at all
    failed = settled(hedger.user_id, open_hedge(hedger))
    assert (failed.status, failed.short.status, failed.long.status) == ("failed", "failed", "pending")
    assert asgard_positions(api_client.stack, hedger) == []


def test_an_unwind_that_cannot_close_the_short_ends_stuck_and_alarms(
    api_client: ApiClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = api_client.stack
    hedger = new_hedger(api_client, solana_usdc=0)
    open_long = hedge_saga.STEPS["open_long"]

    def refused_long_then_no_close(event: StepInput) -> dict[str, Any]:
        refuse(stack.hyperliquid, "/exchange", REFUSED)  # from now on Hyperliquid refuses orders
        return open_long(event)

    monkeypatch.setitem(hedge_saga.STEPS, "open_long", refused_long_then_no_close)
    position_id = open_hedge(hedger)
    stuck = settled(hedger.user_id, position_id)
    assert stuck.status == "stuck_unwind", stuck
    assert (stuck.short.status, stuck.long.status) == ("closing", "failed")
    assert hyperliquid_szi(stack, hedger) < 0  # still short: a person must finish it
    assert [c.status for c in stuck.history] == ["opening", "unwinding", "stuck_unwind"]
    assert "did not fill after 3 attempts" in (stuck.error or "")
    assert execution(stack, "hedge-open-saga", position_id)["error"] == "HedgeStuck"
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "StuckUnwinds" in line]
    assert metrics and metrics[-1]["StuckUnwinds"] == [1.0] and metrics[-1]["mode"] == "live"


def test_a_close_that_fails_on_the_second_leg_ends_stuck_without_reopening_the_first(
    api_client: ApiClient, hedger: Hedger
) -> None:
    stack = api_client.stack
    position_id = open_hedge(hedger)
    assert settled(hedger.user_id, position_id).status == "open"
    refuse(stack.hyperliquid, "/exchange", REFUSED)
    service.close_position(hedger.user_id, position_id, "test")
    stuck = settled(hedger.user_id, position_id)
    assert (stuck.status, stuck.long.status, stuck.short.status) == ("stuck_unwind", "closed", "closing")
    assert [p["status"] for p in asgard_positions(stack, hedger)] == ["closed"]  # never re-opened
    assert hyperliquid_szi(stack, hedger) < 0
    assert execution(stack, "hedge-close-saga", position_id)["error"] == "HedgeStuck"
    # Stuck is never re-entered: asking to close again answers the position as it is.
    assert service.close_position(hedger.user_id, position_id, "again").status == "stuck_unwind"


def test_a_close_asked_for_while_opening_closes_once_both_legs_are_open(
    api_client: ApiClient, hedger: Hedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_long = hedge_saga.STEPS["open_long"]

    def close_asked_meanwhile(event: StepInput) -> dict[str, Any]:
        assert service.close_position(event.user_id, event.position_id, "kill switch").status == "opening"
        return open_long(event)

    monkeypatch.setitem(hedge_saga.STEPS, "open_long", close_asked_meanwhile)
    position_id = open_hedge(hedger)
    closed = settled(hedger.user_id, position_id, frozenset({"closed", "failed", "stuck_unwind"}))
    assert (closed.status, closed.close_reason) == ("closed", "kill switch")
    assert [c.status for c in closed.history] == ["opening", "closing", "closed"]
    assert hyperliquid_szi(api_client.stack, hedger) == 0
    assert [p["status"] for p in asgard_positions(api_client.stack, hedger)] == ["closed"]
