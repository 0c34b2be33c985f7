"""The demo's strategy step, through the API only: the user reads the defaults, is refused a
leverage above the system cap, enables a paper strategy, the scan schedule opens a paper hedge for
them, and the emergency close-all pauses the strategy and closes it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.cli.journey import DemoTarget, Timeline

POLL_SECONDS = 0.3


def _until(check: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    answer = check()
    while not answer and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        answer = check()
    return answer


def _positions(target: DemoTarget) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = target.api("GET", "/positions").json()["positions"]
    return answer


def _in_status(target: DemoTarget, statuses: set[str]) -> dict[str, Any] | None:
    return next((p for p in _positions(target) if p["status"] in statuses), None)


def show_strategy(target: DemoTarget, say: Timeline) -> None:
    current = target.api("GET", "/strategy").json()
    say.say(
        "GET /strategy", f"version {current['version']} mode={current['mode']} enabled={current['enabled']}"
    )
    from basis.api.strategy_schemas import StrategyParametersBody

    body = {k: v for k, v in current.items() if k in StrategyParametersBody.model_fields}
    too_much = target.api("PUT", "/strategy", json={**body, "max_leverage": "9", "version": 0})
    say.say("PUT leverage 9x", f"HTTP {too_much.status_code} {too_much.json()['error']['message']}")
    saved = target.api("PUT", "/strategy", json={**body, "enabled": True, "version": current["version"]})
    say.say("PUT enabled (paper)", f"HTTP {saved.status_code} version {saved.json().get('version')}")

    opened = _until(lambda: _in_status(target, {"open"}), 120)
    if not opened:
        say.say("scan", f"no position opened: {json.dumps(_positions(target))}")
        return
    say.say(
        "scan opened a hedge",
        f"{opened['mode']} {opened['asset']} {opened['size_usd']} USD a leg x{opened['leverage']}, "
        f"{opened['status']} ({opened['reason']})",
    )
    detail = target.api("GET", f"/positions/{opened['id']}").json()
    for leg in detail["legs"]:
        say.say("", f"  {leg['venue']:<12} {leg['status']} {leg.get('size')} SOL at {leg.get('entry_price')}")
    risk = target.api("GET", "/strategy/risk-status").json()
    say.say(
        "GET /strategy/risk-status",
        f"{risk['bot_status']}, trades today {risk['trades_today']}/{risk['daily_limit']}, "
        f"drawdown {risk['drawdown_pct']} %",
    )

    closing = target.api("POST", "/positions/close-all").json()
    say.say(
        "POST /positions/close-all",
        f"paused={closing['paused']} ({closing['paused_reason']}), closing {len(closing['positions'])}",
    )
    closed = _until(lambda: _in_status(target, {"closed", "stuck_unwind"}), 120)
    if closed:
        pnl = closed["realized_pnl_usd"]
        say.say("", f"  {closed['status']} ({closed['close_reason']}), realized {pnl} USD")
    again = target.api("POST", "/positions/close-all").json()
    say.say("close-all again", f"{len(again['positions'])} position(s), nothing new started")
