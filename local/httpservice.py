"""Shared base for every local emulator: routing, request log, fault injection, threaded serving.

Each emulator (Privy, Hyperliquid, Asgard, the Solana RPC front, the API gateway) is a
``LocalService``. Besides its own routes it serves the contract every local service shares:

* ``GET /_local/health`` -> ``{"service": name, "ok": true}``
* ``GET /_local/requests`` -> the requests it received, newest last (``?path=`` filters by prefix);
  ``DELETE /_local/requests`` clears the log
* ``POST /_local/faults`` with ``{"path": "/v1/wallets", "status": 503, "count": 3}`` or
  ``{"path": "...", "delay_ms": 2000, "count": 1}`` (optional ``"method"``, ``"body"``);
  ``DELETE /_local/faults`` clears them; ``GET /_local/faults`` lists the pending ones.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

log = logging.getLogger(__name__)

Handler = Callable[..., Response | tuple[int, Any] | Any]
REDACTED_HEADERS = {"authorization", "privy-authorization-signature", "x-api-key"}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


@dataclass
class Fault:
    path: str
    count: int = 1
    status: int | None = None
    delay_ms: int = 0
    method: str | None = None
    body: Any = None

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
    status: int = 0
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


class LocalService:
    """A small WSGI application with the shared ``/_local/`` contract."""

    name = "local"
    max_logged_requests = 2000

    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._handlers: dict[str, Handler] = {}
        self._url_map: Map | None = None
        self._faults: list[Fault] = []
        self._requests: deque[RecordedRequest] = deque(maxlen=self.max_logged_requests)
        self._lock = threading.Lock()
        self.route("/_local/health", methods=["GET"])(self._health)
        self.route("/_local/requests", methods=["GET", "DELETE"])(self._requests_endpoint)
        self.route("/_local/faults", methods=["GET", "POST", "DELETE"])(self._faults_endpoint)

    # -- routing -------------------------------------------------------------------------------
    def route(self, rule: str, methods: Iterable[str]) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            endpoint = f"{fn.__name__}:{rule}:{','.join(methods)}"
            self._rules.append(Rule(rule, endpoint=endpoint, methods=list(methods)))
            self._handlers[endpoint] = fn
            self._url_map = None
            return fn

        return register

    @property
    def url_map(self) -> Map:
        if self._url_map is None:
            self._url_map = Map([r.empty() for r in self._rules], strict_slashes=False)
        return self._url_map

    # -- the shared /_local/ contract ----------------------------------------------------------
    def health_details(self) -> dict[str, Any]:
        """Override to add service-specific health facts."""
        return {}

    def _health(self, request: Request) -> Response:
        return json_response({"service": self.name, "ok": True, **self.health_details()})

    def _requests_endpoint(self, request: Request) -> Response:
        with self._lock:
            if request.method == "DELETE":
                self._requests.clear()
                return json_response({"cleared": True})
            prefix = request.args.get("path", "")
            items = [r.as_dict() for r in self._requests if r.path.startswith(prefix)]
        return json_response({"requests": items})

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
            )
        except (TypeError, ValueError) as exc:
            return json_response({"error": f"invalid fault: {exc}"}, 400)
        self.add_fault(fault)
        return json_response({"fault": fault.__dict__}, 201)

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def recorded(self, prefix: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self._requests if r.path.startswith(prefix)]

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        internal = request.path.startswith("/_local/")
        record: RecordedRequest | None = None
        if not internal:
            record = self._record(request)
            fault = self._take_fault(request.method, request.path)
            if fault is not None:
                if fault.delay_ms:
                    time.sleep(fault.delay_ms / 1000)
                if fault.status is not None:
                    body = fault.body if fault.body is not None else {"error": "injected fault"}
                    record.status = fault.status
                    return json_response(body, fault.status)
        response = self._route(request)
        if record is not None:
            record.status = response.status_code
        return response

    def _route(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
            result = self._handlers[str(endpoint)](request, **args)
        except (NotFound, MethodNotAllowed) as exc:
            return json_response({"error": exc.name, "path": request.path}, exc.code or 404)
        except HTTPException as exc:
            return json_response({"error": exc.description}, exc.code or 500)
        except Exception as exc:  # an emulator bug must show up as a 500, with its reason
            log.exception("%s: unhandled error on %s %s", self.name, request.method, request.path)
            return json_response({"error": f"{type(exc).__name__}: {exc}"}, 500)
        if isinstance(result, Response):
            return result
        if isinstance(result, tuple):
            status, body = result
            return json_response(body, status)
        return json_response(result)

    def _record(self, request: Request) -> RecordedRequest:
        raw = request.get_data(cache=True)
        try:
            body: Any = json.loads(raw) if raw else None
        except (ValueError, RecursionError):  # kept as text: not JSON, or nested too deep to parse
            body = raw.decode("utf-8", "replace")
        headers = {
            k: ("<redacted>" if k.lower() in REDACTED_HEADERS else v) for k, v in request.headers.items()
        }
        rec = RecordedRequest(request.method, request.path, request.query_string.decode(), headers, body)
        with self._lock:
            self._requests.append(rec)
        return rec


class ServedApp:
    """A WSGI app served on 127.0.0.1 in a daemon thread; ``stop()`` shuts it down."""

    def __init__(self, app: Callable[..., Iterable[bytes]], port: int, name: str) -> None:
        self.name = name
        self.server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"serve-{name}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServedApp:
        self._thread.start()
        return self

    def run_forever(self, banner: str) -> None:
        """Start, serve in the foreground until Ctrl-C, stop (to run one emulator on its own)."""
        self.start()
        print(f"{banner} on {self.url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
