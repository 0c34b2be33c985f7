"""``/api/v1/positions`` through the local gateway: a user's positions (live and paper marked as
such), one position with its legs, market readings (each with its source) and status history, a
user-requested close; another user's position is not found (404, never 403)."""

from __future__ import annotations

from decimal import Decimal

from basis.positions import service
from tests.api_client import ApiClient
from tests.helpers import sign_in
from tests.integration.positions.conftest import Hedger, settled
from tests.integration.positions.test_hedges import open_hedge

READINGS = {
    "short_price",
    "long_price",
    "funding_accrued_usd",
    "interest_accrued_usd",
    "unrealized_pnl_usd",
    "health_factor",
    "margin_ratio",
}


def opened(hedger: Hedger, mode: service.Mode) -> str:
    position_id = open_hedge(hedger, mode)
    assert settled(hedger.user_id, position_id).status == "open"
    return position_id


def test_list_and_detail_with_legs_readings_and_history(api_client: ApiClient, hedger: Hedger) -> None:
    live, paper = opened(hedger, "live"), opened(hedger, "paper")
    listed = api_client.get("/positions", user=hedger.user_id).json()["positions"]
    assert [(p["id"], p["mode"], p["status"]) for p in listed] == [
        (paper, "paper", "open"),
        (live, "live", "open"),
    ]

    detail = api_client.get(f"/positions/{live}", user=hedger.user_id).json()
    assert (detail["mode"], detail["size_usd"], detail["leverage"]) == ("live", "150", "3")
    short, long = detail["legs"]
    assert (short["venue"], short["side"], short["status"]) == ("hyperliquid", "short", "open")
    assert (long["venue"], long["side"], long["status"]) == ("asgard", "long", "open")
    assert short["client_id"].startswith("0x") and short["entry_price"]
    assert Decimal(long["entry_price"]) == 150  # "150.0", or "150" once a monitor test set the price
    market = detail["market"]
    assert set(market) == READINGS
    assert all(r["value"] is not None and r["source"] and r["error"] is None for r in market.values()), market
    assert market["health_factor"]["source"].startswith("asgard:")
    assert market["margin_ratio"]["source"].startswith("hyperliquid:")
    assert [h["status"] for h in detail["status_history"]] == ["opening", "open"]

    paper_detail = api_client.get(f"/positions/{paper}", user=hedger.user_id).json()
    assert paper_detail["mode"] == "paper"
    assert paper_detail["market"]["health_factor"]["source"].startswith("simulated:")
    assert paper_detail["legs"][0]["client_id"] is None  # nothing was ever sent

    closing = api_client.post(f"/positions/{paper}/close", user=hedger.user_id)
    assert (closing.status_code, closing.json()["status"]) == (200, "closing")
    assert settled(hedger.user_id, paper).status == "closed"
    closed = api_client.get(f"/positions/{paper}", user=hedger.user_id).json()
    assert closed["close_reason"] == "user_requested" and closed["realized_pnl_usd"] is not None
    assert closed["market"]["funding_accrued_usd"]["source"].startswith("position row")


def test_another_users_position_is_not_found_never_forbidden(api_client: ApiClient, hedger: Hedger) -> None:
    position_id = opened(hedger, "paper")
    stranger = sign_in(api_client.stack, "stranger")
    for answer in (
        api_client.get(f"/positions/{position_id}", user=stranger),
        api_client.post(f"/positions/{position_id}/close", user=stranger),
        api_client.get("/positions/no-such-position", user=hedger.user_id),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "position_not_found"
    assert api_client.get("/positions", user=stranger).json()["positions"] == []
    assert settled(hedger.user_id, position_id).status == "open"  # the stranger's close did nothing
