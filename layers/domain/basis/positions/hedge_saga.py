"""The task steps of both hedge sagas (open and close), dispatched by the step's name."""

from __future__ import annotations

from typing import Any

from basis.positions import close_saga, open_saga, saga
from basis.positions.saga import StepInput

STEPS = {**open_saga.STEPS, **close_saga.STEPS}


def run_step(step: StepInput) -> dict[str, Any]:
    return saga.run(STEPS, step)
