"""Close-all on the local stack (seed 7.4.2), through the API: the strategy paused first, then one
close saga per open position; a repeat starts nothing new and answers the same closes; another
user's positions and strategy untouched; under the kill switch, paused and nothing closed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from basis.platform import leases
from basis.positions import service, store
from basis.risk import kill_switch
from basis.strategy import store as strategies
from basis.strategy.config import StrategyParameters
from tests.api_client import ApiClient
from tests.helpers import sign_in
from tests.integration.monitor.conftest import Market, open_hedge
from tests.integration.positions.conftest import settled

ON = StrategyParameters(enabled=True, stop_loss_pct=Decimal(10))
CLOSED = frozenset({"closed", "stuck_unwind"})


def test_close_all_pauses_then_closes_every_position_once(api_client: ApiClient, market: Market) -> None:
    stack = api_client.stack
    user, other = sign_in(stack, "close-all"), sign_in(stack, "bystander")
    for someone in (user, other):
        strategies.save(someone, ON, expected_version=0)
    mine = {open_hedge(user), open_hedge(user)}
    theirs = open_hedge(other)
    already = open_hedge(user)
    service.close_position(user, already, "user_requested")
    settled(user, already, CLOSED)

    answer = api_client.post("/positions/close-all", user=user)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["paused"], body["paused_reason"]) == (True, "user_close_all")
    assert {p["id"] for p in body["positions"]} == mine  # not the one closed before
    assert {p["status"] for p in body["positions"]} <= {"closing", "closed"}
    strategy = strategies.get(user)
    for position_id in mine:
        closed = settled(user, position_id, CLOSED)
        assert (closed.status, closed.close_reason) == ("closed", "user_close_all")
        [closing] = [c for c in closed.history if c.status == "closing"]
        assert strategy.paused_at is not None and closing.at >= strategy.paused_at  # paused first

    again = api_client.post("/positions/close-all", user=user)

    assert again.status_code == 200, again.text
    assert {p["id"] for p in again.json()["positions"]} == mine
    assert {p["status"] for p in again.json()["positions"]} == {"closed"}
    for position_id in mine:  # nothing started twice: one close each
        history = [c.status for c in store.get(user, position_id).history]  # type: ignore[union-attr]
        assert history == ["opening", "open", "closing", "closed"]
    # The bystander's position and strategy are untouched.
    assert service.get_position(other, theirs).status == "open"
    assert not strategies.get(other).paused


def test_a_user_with_nothing_open_is_paused_and_answered_no_positions(api_client: ApiClient) -> None:
    user = sign_in(api_client.stack, "nothing")
    answer = api_client.post("/positions/close-all", user=user)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"paused": True, "paused_reason": "user_close_all", "positions": []}


def test_under_the_kill_switch_the_strategy_is_paused_and_nothing_closes(
    api_client: ApiClient, market: Market
) -> None:
    user = sign_in(api_client.stack, "switched")
    position_id = open_hedge(user)
    kill_switch.engage("did:privy:ops", "drill")
    try:
        answer = api_client.post("/positions/close-all", user=user)
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["code"] == "kill_switch_engaged"
        assert strategies.get(user).paused
        assert service.get_position(user, position_id).status == "open"
    finally:
        kill_switch.lift("did:privy:ops")
    answer = api_client.post("/positions/close-all", user=user)  # lifted: the close goes through
    assert [p["id"] for p in answer.json()["positions"]] == [position_id]
    assert settled(user, position_id, CLOSED).status == "closed"


def test_a_position_a_scan_opens_after_the_pause_is_closed_too(api_client: ApiClient, market: Market) -> None:
    """A scan that took the user's turn before the pause decides to enter and opens while close-all
    runs: close-all waits for that turn to end, so the new position is in its list and closed."""
    user = sign_in(api_client.stack, "racing")
    strategies.save(user, ON, expected_version=0)
    turn = leases.acquire(f"scan#{user}", ttl_seconds=60)  # a scan evaluating the user
    with ThreadPoolExecutor(1) as pool:
        closing = pool.submit(api_client.post, "/positions/close-all", user=user)
        time.sleep(1.0)
        assert strategies.get(user).paused and not closing.done()  # paused, waiting for the turn
        late = service.open_position(  # the scan's entry, decided before the pause
            user, asset="SOL", size_usd=Decimal(150), leverage=Decimal(3), mode="paper", reason="scan"
        ).position_id
        leases.release(f"scan#{user}", turn)
        answer = closing.result(timeout=60)
    assert answer.status_code == 200, answer.text
    assert [p["id"] for p in answer.json()["positions"]] == [late]
    assert settled(user, late, CLOSED).status == "closed"
