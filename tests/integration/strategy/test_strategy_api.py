"""The strategy, risk status and kill switch routes through the local gateway: defaults, edits under
optimistic locking (C5: a stale version answers 409 with the strategy as it is now, concurrent edits
one wins), refusals naming the field and the limit, pause and resume, the admin kill switch, and one
user's actions never touching another's strategy."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from basis.risk import kill_switch
from tests.api_client import ApiClient, new_user_id


@pytest.fixture
def user(api_client: ApiClient) -> str:
    return new_user_id("strategy")


def strategy(api_client: ApiClient, user: str) -> dict[str, Any]:
    answer = api_client.get("/strategy", user=user)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def edit(current: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A PUT body: every parameter of ``current``, its version, and ``changes``."""
    state = {"paused", "paused_reason", "paused_at", "last_close_time", "cooldown_at_close", "updated_at"}
    return {k: v for k, v in current.items() if k not in state} | changes


def put(api_client: ApiClient, user: str, body: dict[str, Any]) -> Any:
    return api_client.request("PUT", "/strategy", user=user, json=body)


def test_a_new_user_gets_the_defaults_at_version_0(api_client: ApiClient, user: str) -> None:
    body = strategy(api_client, user)
    assert (body["version"], body["enabled"], body["mode"], body["paused"]) == (0, False, "paper", False)
    assert (body["max_leverage"], body["stop_loss_pct"], body["cooldown_minutes"]) == ("3", "10", 30)
    assert body["protocols"] == ["marginfi", "kamino", "solend", "drift"] and body["take_profit_pct"] is None


def test_a_put_stores_every_parameter_exactly(api_client: ApiClient, user: str) -> None:
    wanted = edit(
        strategy(api_client, user),
        enabled=True,
        max_leverage="4.5",
        take_profit_pct="7.25",
        min_funding_rate_8hr="0.0123",
        protocols=["kamino"],
        cooldown_minutes=45,
    )
    saved = put(api_client, user, wanted)
    assert saved.status_code == 200, saved.text
    assert saved.json() == strategy(api_client, user)
    assert edit(saved.json(), version=0) == wanted and saved.json()["version"] == 1


def test_values_outside_the_caps_answer_400_naming_each_field_and_limit(
    api_client: ApiClient, user: str
) -> None:
    current = strategy(api_client, user)
    refused = put(api_client, user, edit(current, max_leverage="6", cooldown_minutes=4, assets=["BTC"]))
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "strategy_out_of_limits"
    assert {(v["field"], v["limit"]) for v in error["violations"]} == {
        ("max_leverage", "above 1, at most 5x"),
        ("cooldown_minutes", "5 minutes to 7 days"),
        ("assets", "a non-empty subset of ('SOL',)"),
    }
    assert error["message"].startswith("assets must be")
    assert strategy(api_client, user)["version"] == 0  # nothing stored


@pytest.mark.parametrize(
    "change",
    [{"version": None}, {"bogus": 1}, {"max_leverage": 3}, {"max_leverage": "-1"}, {"assets": "SOL"}],
    ids=["no-version", "unknown-field", "number-not-text", "negative", "not-a-list"],
)
def test_a_body_off_the_schema_is_422(api_client: ApiClient, user: str, change: dict[str, Any]) -> None:
    body = {k: v for k, v in (edit(strategy(api_client, user)) | change).items() if v is not None}
    assert put(api_client, user, body).status_code == 422


def test_a_stale_version_is_409_with_the_current_strategy(api_client: ApiClient, user: str) -> None:
    first = put(api_client, user, edit(strategy(api_client, user), cooldown_minutes=60)).json()
    stale = put(api_client, user, edit(first, version=0, cooldown_minutes=10))
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert (error["code"], error["current_version"]) == ("stale_version", 1)
    assert error["current"] == first  # what to re-apply the change to
    assert strategy(api_client, user)["cooldown_minutes"] == 60


def test_concurrent_puts_at_one_version_one_wins(api_client: ApiClient, user: str) -> None:
    base = put(api_client, user, edit(strategy(api_client, user), enabled=True)).json()
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(lambda m: put(api_client, user, edit(base, cooldown_minutes=m)), range(10, 16))
        )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409, 409, 409, 409, 409]
    winner = next(a.json() for a in answers if a.status_code == 200)
    assert strategy(api_client, user) == winner and winner["version"] == 2


def test_pause_and_resume_show_on_the_strategy_risk_status_and_me(
    api_client: ApiClient, signed_in_user: str
) -> None:
    user = signed_in_user
    put(api_client, user, edit(strategy(api_client, user), enabled=True))
    paused = api_client.post("/strategy/pause", user=user).json()
    assert (paused["paused"], paused["paused_reason"]) == (True, "user_requested")
    me = api_client.get("/auth/me", user=user).json()
    assert (me["paused"], me["paused_reason"]) == (True, "user_requested")
    status = api_client.get("/strategy/risk-status", user=user).json()
    assert (status["bot_status"], status["paused_reason"]) == ("paused", "user_requested")
    resumed = api_client.post("/strategy/resume", user=user).json()
    assert (resumed["paused"], resumed["paused_reason"]) == (False, None)
    assert api_client.get("/auth/me", user=user).json()["paused"] is False
    assert api_client.get("/strategy/risk-status", user=user).json()["bot_status"] == "active"


def test_risk_status_of_a_new_user(api_client: ApiClient, user: str) -> None:
    status = api_client.get("/strategy/risk-status", user=user).json()
    assert status == {
        "bot_status": "inactive",
        "paused_reason": None,
        "paused_at": None,
        "kill_switch_engaged": False,
        "drawdown_pct": "0",
        "max_drawdown_pct": "20",
        "peak_balance_usd": "0",
        "current_balance_usd": "0",
        "trades_today": 0,
        "daily_limit": 20,
        "consecutive_failures": 0,
        "failure_limit": 3,
        "next_entry_at": None,
    }


def test_one_user_s_actions_leave_another_s_strategy_untouched(api_client: ApiClient, user: str) -> None:
    other = new_user_id("strategy")
    theirs = put(api_client, other, edit(strategy(api_client, other), enabled=True)).json()
    put(api_client, user, edit(strategy(api_client, user), enabled=True, max_leverage="2"))
    api_client.post("/strategy/pause", user=user)
    assert strategy(api_client, other) == theirs


def test_the_kill_switch_is_for_admins_only(api_client: ApiClient, user: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        body = {"reason": "x"} if method == "POST" else None
        refused = api_client.request(method, "/admin/kill-switch", user=user, json=body)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert not kill_switch.engaged()


def test_the_kill_switch_pauses_everyone_and_lifting_it_resumes_nobody(
    api_client: ApiClient, user: str, lifted_after: None
) -> None:
    put(api_client, user, edit(strategy(api_client, user), enabled=True))
    engaged = api_client.as_admin("POST", "/admin/kill-switch", json={"reason": "venue outage"})
    assert engaged.status_code == 200, engaged.text
    answer = engaged.json()
    assert (answer["engaged"], answer["by"], answer["reason"]) == (True, "did:privy:ops", "venue outage")
    assert answer["paused"] >= 1
    assert api_client.as_admin("GET", "/admin/kill-switch").json()["engaged"] is True
    assert strategy(api_client, user)["paused_reason"] == "kill_switch"
    status = api_client.get("/strategy/risk-status", user=user).json()
    assert (status["kill_switch_engaged"], status["bot_status"]) == (True, "paused")

    refused = api_client.post("/strategy/resume", user=user)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "kill_switch_engaged"
    # Enabling a strategy under the switch stores it paused.
    newcomer = new_user_id("strategy")
    stored = put(api_client, newcomer, edit(strategy(api_client, newcomer), enabled=True)).json()
    assert (stored["enabled"], stored["paused_reason"]) == (True, "kill_switch")

    lifted = api_client.as_admin("DELETE", "/admin/kill-switch").json()
    assert (lifted["engaged"], lifted["by"]) == (False, "did:privy:ops")
    assert strategy(api_client, user)["paused_reason"] == "kill_switch"  # still paused
    resumed = api_client.post("/strategy/resume", user=user)
    assert resumed.status_code == 200 and resumed.json()["paused"] is False
