"""A saga step that dies right after its side effect, once: what the crash tests of every saga share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from basis.platform.errors import TransientError


class Step(Protocol):
    step: str


def crash_once_after(
    step: Callable[[Any], dict[str, Any]],
    crashed: list[str],
    *,
    mine: Callable[[Any], bool],
    state: Callable[[Any], object | None],
) -> Callable[[Any], dict[str, Any]]:
    """``step``, except that its first run on an event that is ``mine`` and changes ``state`` (read
    before and after; None: nothing stored yet) crashes right after, appending the step's name to
    ``crashed``."""

    def crashing(event: Step) -> dict[str, Any]:
        before = state(event)
        result = step(event)
        after = state(event)
        moved = before is not None and after is not None and before != after
        if mine(event) and moved and not crashed:
            crashed.append(event.step)
            raise TransientError(f"{event.step} crashed after its side effect")
        return result

    return crashing
