"""Crash tests of the hedge sagas on the local stack. Each Task step of the open and close paths
(enumerated from the ASL, so a new step is covered) dies right after its side effect, and the
worst moments are forced too: the venue filled or booked a leg and the step died before the row
recorded it. The state machine re-runs the step, which reads the row, asks the venue what became
of the recorded cloid or PDA, and sends nothing twice: exactly one short and one long are opened
(and closed), and the row ends in its final state."""

from __future__ import annotations

import json

import pytest

from basis.positions import hedge_saga, service
from basis.positions.legs import AsgardLong, HyperliquidShort
from infra.catalog import STATE_MACHINES
from tests.api_client import ApiClient
from tests.integration.positions.conftest import (
    Hedger,
    asgard_positions,
    execution,
    hyperliquid_szi,
    settled,
    short_fills,
)
from tests.integration.positions.faults import crash_once_after, lose_once
from tests.integration.positions.test_hedges import open_hedge


def task_steps(machine_name: str) -> list[str]:
    """The ``step`` of every Task state on the saga's way to success (not the Catch targets)."""
    machine = next(m for m in STATE_MACHINES if m.name == machine_name)
    states = json.loads(machine.path.read_text())["States"]
    targets = {c["Next"] for s in states.values() for c in s.get("Catch", [])}
    return [
        s["Parameters"]["Payload"]["step"]
        for name, s in states.items()
        if s["Type"] == "Task" and name not in targets
    ]


def assert_one_hedge(api_client: ApiClient, hedger: Hedger, position_id: str, status: str) -> None:
    stack = api_client.stack
    machine = "hedge-open-saga" if status == "open" else "hedge-close-saga"
    assert execution(stack, machine, position_id)["status"] == "SUCCEEDED"
    position = settled(hedger.user_id, position_id)
    assert position.status == status, position
    directions = ["Open Short"] + (["Close Short"] if status == "closed" else [])
    assert [f["dir"] for f in short_fills(stack, hedger)] == directions
    assert [p["status"] for p in asgard_positions(stack, hedger)] == [
        "active" if status == "open" else "closed"
    ]
    assert hyperliquid_szi(stack, hedger) == (-1 if status == "open" else 0)


def test_the_steps_are_read_from_the_state_machines() -> None:
    assert task_steps("hedge-open-saga") == ["open_short", "open_long", "finish_open"]
    assert task_steps("hedge-close-saga") == ["close_long", "close_short", "finish_close"]


@pytest.mark.parametrize("step", task_steps("hedge-open-saga"))
def test_an_open_step_crashing_after_its_side_effect_opens_one_hedge(
    api_client: ApiClient, hedger: Hedger, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    position_id = service.position_id_for(hedger.user_id, step)
    crashed: list[str] = []
    monkeypatch.setitem(
        hedge_saga.STEPS, step, crash_once_after(hedge_saga.STEPS[step], position_id, crashed)
    )
    open_hedge(hedger, intent_key=step)
    assert_one_hedge(api_client, hedger, position_id, "open")
    assert crashed == [step]


@pytest.mark.parametrize("step", task_steps("hedge-close-saga"))
def test_a_close_step_crashing_after_its_side_effect_closes_once(
    api_client: ApiClient, hedger: Hedger, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    position_id = open_hedge(hedger)
    assert settled(hedger.user_id, position_id).status == "open"
    crashed: list[str] = []
    monkeypatch.setitem(
        hedge_saga.STEPS, step, crash_once_after(hedge_saga.STEPS[step], position_id, crashed)
    )
    service.close_position(hedger.user_id, position_id, "test")
    assert_one_hedge(api_client, hedger, position_id, "closed")
    assert crashed == [step]


@pytest.mark.parametrize(
    ("leg", "method"),
    [(HyperliquidShort, "_record_open"), (AsgardLong, "_settle")],
    ids=["short filled", "long booked"],
)
def test_a_leg_the_venue_opened_before_the_row_knew_is_found_not_sent_again(
    api_client: ApiClient, hedger: Hedger, monkeypatch: pytest.MonkeyPatch, leg: type, method: str
) -> None:
    lost = lose_once(monkeypatch, leg, method)
    position_id = open_hedge(hedger)
    assert_one_hedge(api_client, hedger, position_id, "open")
    assert lost == [True]


@pytest.mark.parametrize(
    ("leg", "method"),
    [(HyperliquidShort, "_record_closed"), (AsgardLong, "_record_closed")],
    ids=["short bought back", "long closed"],
)
def test_a_leg_the_venue_closed_before_the_row_knew_is_found_not_closed_again(
    api_client: ApiClient, hedger: Hedger, monkeypatch: pytest.MonkeyPatch, leg: type, method: str
) -> None:
    position_id = open_hedge(hedger)
    assert settled(hedger.user_id, position_id).status == "open"
    lost = lose_once(monkeypatch, leg, method)
    service.close_position(hedger.user_id, position_id, "test")
    assert_one_hedge(api_client, hedger, position_id, "closed")
    assert lost == [True]
