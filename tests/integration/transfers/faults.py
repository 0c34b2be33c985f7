"""Faults injected into the sagas: a step that dies right after its side effect, Privy failing (or
losing its answers) for one wallet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from basis.platform import flags
from basis.platform.errors import TransientError
from basis.signing.breaker import CLOSED, SharedCircuitBreaker
from basis.transfers import store
from basis.transfers.saga import SagaStepInput, evm_wallet
from local.runtime.stack import LocalStack
from tests.integration import crashes


def crash_once_after(
    step: Callable[..., dict[str, Any]], transfer_id: str, crashed: list[str]
) -> Callable[..., dict[str, Any]]:
    """``step``, except that the first run that moves ``transfer_id``'s stage crashes right after
    (and appends the step's name to ``crashed``)."""

    def stage(event: SagaStepInput) -> str | None:
        row = store.get(event.user_id, event.transfer_id)
        return None if row is None else row.stage

    return crashes.crash_once_after(
        step, crashed, mine=lambda event: event.transfer_id == transfer_id, state=stage
    )


def crash_record_sent_once(
    monkeypatch: pytest.MonkeyPatch, why: str, recorder: str = "record_sent"
) -> list[bool]:
    """``store.<recorder>`` (``record_sent``, or ``record_delivery``) fails once, as a step dying
    after its side effect and before the row records it, then works; the list says whether the
    crash happened."""
    record = getattr(store, recorder)
    crashed: list[bool] = []

    def crash_once(*args: Any, **kwargs: Any) -> Any:
        if not crashed:
            crashed.append(True)
            raise TransientError(why)
        return record(*args, **kwargs)

    monkeypatch.setattr(store, recorder, crash_once)
    return crashed


def privy_rpc_fault(stack: LocalStack, user_id: str, status: int, *, count: int, after: bool = False) -> None:
    """The next ``count`` rpc requests of the user's EVM server wallet fail with ``status`` at the
    Privy emulator; ``after``: each is carried out first (a send is broadcast), its answer lost."""
    wallet_id, _ = evm_wallet(user_id)
    fault = {"path": f"/v1/wallets/{wallet_id}/rpc", "status": status, "count": count, "after": after}
    requests.post(f"{stack.url('privy')}/_local/faults", json=fault, timeout=5).raise_for_status()


def privy_recovered(stack: LocalStack) -> None:
    """Privy answers again: its pending faults cleared and the shared signing breaker (which the
    faults may have tripped) closed, so later tests sign normally."""
    requests.delete(f"{stack.url('privy')}/_local/faults", timeout=5).raise_for_status()
    flags.reset(SharedCircuitBreaker().name, state=CLOSED)
