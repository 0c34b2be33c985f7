"""The test controls every local service has: its health, a bounded log of the requests it
received, and faults to inject into the next matching requests.

* ``GET /_local/health`` -> ``{"service": name, "ok": true, ...}``
* ``GET /_local/requests`` -> the last ``MAX_RECORDED`` requests, newest last (``?path=`` filters by
  prefix), bodies over ``MAX_BODY_BYTES`` cut there; ``DELETE /_local/requests`` clears the log
* ``POST /_local/faults`` with ``{"path": "/v1/wallets", "status": 503, "count": 3}`` or
  ``{"path": "...", "delay_ms": 2000, "count": 1}`` (optional ``"method"``, ``"body"``; with
  ``"after": true`` the request is served first and only its answer is replaced: applied, answer
  lost); ``DELETE /_local/faults`` clears them; ``GET /_local/faults`` lists the pending ones.
  With ``"rate": 0.1`` a matching request takes the fault with that probability (drawn from the
  service's RNG, which ``{"seed": n}`` in any fault reseeds), ``count`` times at most: faults at
  random for as long as they stay. ``"kind"`` names the fault in the counts (default: its status,
  ``delay`` or ``after:<status>``).
* ``GET /_local/stats`` -> ``{"requests": <served since start>, "injected": {kind: n}}``

A service serves them on its own port, or (the API gateway) only on a separate control port: then
``Controls`` is the WSGI application to serve there.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from local.runtime.routes import Handler, Routes, json_response

MAX_RECORDED = 200
MAX_BODY_BYTES = 4096
REDACTED_HEADERS = {"authorization", "privy-authorization-signature", "x-api-key"}


@dataclass
class Fault:
    path: str
    count: int = 1
    status: int | None = None
    delay_ms: int = 0
    method: str | None = None
    body: Any = None
    after: bool = False  # served first, then its answer replaced (the request took effect)
    rate: float | None = None  # taken by a matching request with this probability (None: always)
    kind: str | None = None  # its name in the injected counts

    @property
    def label(self) -> str:
        if self.kind:
            return self.kind
        name = str(self.status) if self.status is not None else "delay"
        return f"after:{name}" if self.after else name

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    body_bytes: int
    status: int = 0
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _kept_body(raw: bytes) -> Any:
    """The body as recorded: parsed JSON when whole and JSON, else text cut at ``MAX_BODY_BYTES``."""
    if not raw:
        return None
    if len(raw) > MAX_BODY_BYTES:
        return raw[:MAX_BODY_BYTES].decode("utf-8", "replace") + f"... ({len(raw)} bytes)"
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # kept as text: not JSON, or nested too deep to parse
        return raw.decode("utf-8", "replace")


class Controls:
    def __init__(self, service: str, health: Callable[[], dict[str, Any]]) -> None:
        self.service = service
        self._health_details = health
        self._faults: list[Fault] = []
        self._requests: deque[RecordedRequest] = deque(maxlen=MAX_RECORDED)
        self._lock = threading.Lock()
        self._rng = random.Random()
        self._served = 0
        self._injected: Counter[str] = Counter()
        self._routes = Routes(f"{service}-control")
        for rule, methods, handler in self.endpoints():
            self._routes.add(rule, methods, handler)

    def endpoints(self) -> list[tuple[str, Iterable[str], Handler]]:
        return [
            ("/_local/health", ["GET"], self._health),
            ("/_local/requests", ["GET", "DELETE"], self._requests_endpoint),
            ("/_local/faults", ["GET", "POST", "DELETE"], self._faults_endpoint),
            ("/_local/stats", ["GET"], self._stats),
        ]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Served on its own (a control port): only the control endpoints."""
        return self._routes.dispatch(Request(environ))(environ, start_response)

    # -- endpoints -------------------------------------------------------------------------------
    def _health(self, request: Request) -> Response:
        return json_response({"service": self.service, "ok": True, **self._health_details()})

    def _requests_endpoint(self, request: Request) -> Response:
        if request.method == "DELETE":
            with self._lock:
                self._requests.clear()
            return json_response({"cleared": True})
        prefix = request.args.get("path", "")
        return json_response({"requests": [r.as_dict() for r in self.recorded(prefix)]})

    def _stats(self, request: Request) -> Response:
        return json_response(self.stats())

    def _faults_endpoint(self, request: Request) -> Response:
        with self._lock:
            if request.method == "DELETE":
                self._faults.clear()
                return json_response({"cleared": True})
            if request.method == "GET":
                return json_response({"faults": [f.__dict__ for f in self._faults]})
        spec = request.get_json(silent=True)
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            return json_response({"error": "body must be an object with a string 'path'"}, 400)
        if spec.get("status") is None and not spec.get("delay_ms"):
            return json_response({"error": "a fault needs 'status' or 'delay_ms'"}, 400)
        try:
            fault = Fault(
                path=spec["path"],
                count=int(spec.get("count", 1)),
                status=int(spec["status"]) if spec.get("status") is not None else None,
                delay_ms=int(spec.get("delay_ms", 0)),
                method=spec.get("method"),
                body=spec.get("body"),
                after=bool(spec.get("after", False)),
                rate=float(spec["rate"]) if spec.get("rate") is not None else None,
                kind=str(spec["kind"]) if spec.get("kind") else None,
            )
        except (TypeError, ValueError) as exc:
            return json_response({"error": f"invalid fault: {exc}"}, 400)
        if spec.get("seed") is not None:
            self.seed(int(spec["seed"]))
        self.add_fault(fault)
        return json_response({"fault": fault.__dict__}, 201)

    # -- the log and the faults ------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def seed(self, seed: int) -> None:
        with self._lock:
            self._rng.seed(seed)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path) and (fault.rate is None or self._rng.random() < fault.rate):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    self._injected[fault.label] += 1
                    return fault
        return None

    def stats(self) -> dict[str, Any]:
        """Requests served since the start (the log keeps only the last ones) and faults injected by kind."""
        with self._lock:
            return {"requests": self._served, "injected": dict(self._injected)}

    def recorded(self, prefix: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self._requests if r.path.startswith(prefix)]

    def record(self, request: Request) -> RecordedRequest:
        raw = request.get_data(cache=True)
        headers = {
            k: ("<redacted>" if k.lower() in REDACTED_HEADERS else v) for k, v in request.headers.items()
        }
        entry = RecordedRequest(
            request.method, request.path, request.query_string.decode(), headers, _kept_body(raw), len(raw)
        )
        with self._lock:
            self._requests.append(entry)
            self._served += 1
        return entry
