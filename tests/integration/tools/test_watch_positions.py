"""The watch backfill on the local stack: a user holding a position that was never marked (opened
before the monitor's index existed) is marked, once, whatever the number of runs; a user whose
positions are all final is not."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from basis.positions import store
from basis.risk import store as risks
from local.runtime.stack import LocalStack
from tools.watch_positions import main


def position(user_id: str) -> store.PositionRecord:
    created, _ = store.create(
        user_id,
        f"pos-{uuid.uuid4().hex}",
        store.Terms(mode="paper", asset="SOL", size_usd=Decimal(150), leverage=Decimal(3)),
        reason="before the monitor",
        intent_key=None,
    )
    return created


def test_users_holding_positions_are_marked_once(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    holder, finished = (f"did:privy:backfill-{name}-{uuid.uuid4().hex[:8]}" for name in ("holder", "done"))
    opened = position(holder)
    store.update(opened, status="open", detail="opened long ago")
    done = position(finished)
    store.update(done, status="failed", detail="unwound")
    assert holder not in set(risks.watched_users())

    assert main([]) == 0
    assert main([]) == 0

    watched = set(risks.watched_users())
    assert holder in watched and finished not in watched
    assert f"watched {holder}" in capsys.readouterr().out
    assert risks.get(holder).watch_marks == 2 and risks.unwatch(holder, 2)


def test_another_stage_is_refused(stack: LocalStack) -> None:
    assert main(["--stage", "prod"]) == 2
