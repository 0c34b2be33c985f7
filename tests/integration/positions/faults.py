"""Failures injected into the hedge sagas: a step that dies right after its side effect, a venue
answer that is lost before the row records it, a venue that refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from basis.platform.errors import TransientError
from basis.positions import store
from basis.positions.saga import StepInput
from local.runtime.controls import Fault
from local.runtime.httpservice import LocalService
from tests.integration import crashes

Step = Callable[[StepInput], dict[str, Any]]


def crash_once_after(step: Step, position_id: str, crashed: list[str]) -> Step:
    """``step``, except that its first run that moves ``position_id``'s row (its version) crashes
    right after (and appends the step's name to ``crashed``)."""

    def version(event: StepInput) -> int | None:
        row = store.get(event.user_id, event.position_id)
        return None if row is None else row.version

    return crashes.crash_once_after(
        step, crashed, mine=lambda event: event.position_id == position_id, state=version
    )


def lose_once(monkeypatch: pytest.MonkeyPatch, owner: type, method: str) -> list[bool]:
    """``owner.method`` (a leg's recording of a venue answer) fails once, as a step dying after the
    venue acted and before the row knew; the list says whether it happened."""
    original = getattr(owner, method)
    lost: list[bool] = []

    def once(*args: Any, **kwargs: Any) -> Any:
        if not lost:
            lost.append(True)
            raise TransientError(f"died before {method} was recorded")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, method, once)
    return lost


def refuse(service: LocalService, path: str, body: Any, status: int = 200, count: int = 20) -> None:
    """The venue answers ``body`` to the next ``count`` requests on ``path``."""
    service.add_fault(Fault(path, count=count, status=status, body=body))
