"""In-memory stand-ins for the signer's collaborators: a breaker, a scripted Privy wallet service, the
spend-window store (with its version check), the control flags behind the shared breaker and a clock.
No network, no DynamoDB."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import privy

from basis.platform.flags import Flag
from basis.signing import ledger
from basis.signing.errors import CircuitOpenError
from basis.signing.ledger import Window

URL = "http://privy.test/v1/wallets/w1/rpc"


def status_error(status: int, body: Any) -> privy.APIStatusError:
    response = httpx.Response(status, request=httpx.Request("POST", URL))
    return privy.APIStatusError(f"Error code: {status}", response=response, body=body)


def timeout_error() -> privy.APITimeoutError:
    return privy.APITimeoutError(request=httpx.Request("POST", URL))


class FakeBreaker:
    def __init__(self, open_after: int | None = None) -> None:
        self.calls, self.successes, self.failures = 0, 0, 0
        self.open_after = open_after

    def before_call(self) -> None:
        if self.open_after is not None and self.calls >= self.open_after:
            raise CircuitOpenError(42)
        self.calls += 1

    def record_success(self) -> None:
        self.successes += 1

    def record_failure(self) -> None:
        self.failures += 1


# One scripted answer: an exception to raise, a signature / hash to return, or a callable run first
# (to act "while the request is in flight") whose result is then taken as the answer.
Step = BaseException | str | Callable[[], "BaseException | str"]


class ScriptedWallets:
    """Answers rpc calls from a script."""

    def __init__(self, *script: Step) -> None:
        self.script = list(script)
        self.bodies: list[dict[str, Any]] = []
        self.idempotency_keys: list[str | None] = []

    def rpc(
        self,
        wallet_id: str,
        *,
        wallet_rpc_request_body: Any,
        idempotency_key: str | None = None,
        request_options: Any = None,
    ) -> Any:
        self.bodies.append(wallet_rpc_request_body)
        self.idempotency_keys.append(idempotency_key)
        step = self.script.pop(0)
        if callable(step) and not isinstance(step, BaseException):
            step = step()
        if isinstance(step, BaseException):
            raise step
        return SimpleNamespace(data=SimpleNamespace(signature=step, signed_transaction=step, hash=step))


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class MemoryWindows:
    """The spend windows of ``basis.signing.ledger`` in a dict, with the same version check and the
    same conditions on its atomic updates (a window's total is what its maps hold); ``fail_writes``
    makes the next writes raise as DynamoDB would when it is unavailable."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Window] = {}
        self.rows: list[ledger.SigningEvent] = []  # rows written with commits
        self.fail_writes = 0
        self.writes = 0

    def _failing(self) -> None:
        if self.fail_writes:
            self.fail_writes -= 1
            raise RuntimeError("DynamoDB unavailable")

    def _changed(self, window: Window) -> None:
        window.version = (window.version or 0) + 1
        window.indexed = ledger.settle_by(window)
        self.writes += 1

    def add_reservation(
        self, user_id: str, asset: str, reservation: str, amount: int, *, expires: int, cap: int
    ) -> Window | None:
        self._failing()
        window = self.items.get((user_id, asset))
        if window is None or any(
            reservation in held for held in (window.reservations, window.committed, window.unresolved)
        ):
            return None
        total = sum(window.hourly.values()) + sum(
            r["amount"] for r in [*window.reservations.values(), *window.unresolved.values()]
        )
        if total + amount > cap:
            return None
        window.reservations[reservation] = {"amount": amount, "expires": expires}
        self._changed(window)
        return copy.deepcopy(window)

    def append(self, event: ledger.SigningEvent, commits: tuple[ledger.Commit, ...] = ()) -> None:
        self._failing()
        for c in commits:
            window = self.items.get((c.user_id, c.asset))
            held = window.reservations.get(c.reservation) if window else None
            if window is None or c.reservation in window.committed or (held or {}).get("amount") != c.amount:
                raise ledger.CommitRefusedError(c.reservation)
        for c in commits:
            window = self.items[(c.user_id, c.asset)]
            window.reservations.pop(c.reservation)
            window.committed[c.reservation] = int(c.at)
            hour = ledger.bucket_of(datetime.fromtimestamp(c.at, UTC))
            window.hourly[hour] = window.hourly.get(hour, 0) + c.amount
            self._changed(window)
        self.rows.append(event)

    def read_window(self, user_id: str, asset: str) -> Window:
        stored = self.items.get((user_id, asset))
        return copy.deepcopy(stored) if stored else Window(user_id, asset)

    def write_window(self, window: Window) -> bool:
        self._failing()
        key = (window.user_id, window.asset)
        stored = self.items.get(key)
        if (stored.version if stored else None) != window.version:
            return False
        saved = copy.deepcopy(window)
        self._changed(saved)
        self.items[key] = saved
        return True

    def unsettled_windows(self, asset: str, *, due_by: int) -> list[str]:
        due = {(u, a): ledger.settle_by(w) for (u, a), w in self.items.items() if a == asset}
        return [user for (user, _), at in due.items() if at is not None and at <= due_by]


class MemoryFlags:
    """``basis.platform.flags`` in a dict, with the same conditions; ``before_write`` runs once just
    before the next write (another container acting between a read and a write)."""

    def __init__(self) -> None:
        self.items: dict[str, Flag] = {}
        self.before_write: Callable[[], None] | None = None

    def _interleave(self) -> None:
        hook, self.before_write = self.before_write, None
        if hook is not None:
            hook()

    def get(self, name: str, *, default_state: str) -> Flag:
        return self.items.get(name, Flag(name, default_state, 0, None))

    def recent(self, name: str, *, default_state: str, along: Any = None) -> Flag:
        return self.get(name, default_state=default_state)

    def move(
        self, name: str, *, to_state: str, until: float, if_state: str, if_until: float | None = None
    ) -> bool:
        self._interleave()
        flag = self.items.get(name)
        if flag is None or flag.state != if_state or (if_until is not None and flag.until != if_until):
            return False
        self.items[name] = Flag(name, to_state, flag.counter, until)
        return True

    def reset(self, name: str, *, state: str, if_state: str | None = None) -> bool:
        self._interleave()
        flag = self.items.get(name)
        if if_state is not None and (flag is None or flag.state != if_state):
            return False
        self.items[name] = Flag(name, state, 0, None)
        return True

    def count(self, name: str, *, default_state: str) -> Flag:
        self._interleave()
        flag = self.get(name, default_state=default_state)
        self.items[name] = Flag(name, flag.state, flag.counter + 1, flag.until)
        return self.items[name]
