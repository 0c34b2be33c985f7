"""Shared base for every local emulator: routing, test controls, body limit, threaded serving.

Each emulator (Privy, Hyperliquid, Asgard, the Solana RPC front, the API gateway) is a
``LocalService``: its own routes plus the controls every local service has (``controls``: health,
request log, fault injection; see ``local.runtime.controls``), served on the service's own port
unless the service keeps them on a separate one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from local.runtime.controls import Controls, Fault, RecordedRequest
from local.runtime.routes import Handler, Routes, json_response

__all__ = ["LocalService", "ServedApp", "json_response"]

DRAIN_LIMIT = 64 * 1024 * 1024  # an unread refused body up to this size is read off the socket


def _drain(environ: dict[str, Any]) -> None:
    """Read a refused body off the connection, so the client gets the answer rather than a reset."""
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    if remaining > DRAIN_LIMIT:
        return
    stream = environ["wsgi.input"]
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 16))
        if not chunk:
            return
        remaining -= len(chunk)


class LocalService:
    """A small WSGI application with the shared test controls."""

    name = "local"
    # False: the controls are not routed here; serve ``self.controls`` on a port of their own.
    controls_on_service_port = True
    # Bodies over this many bytes are refused (``too_large``) before the service sees them.
    max_body_bytes: int | None = None

    def __init__(self) -> None:
        self.routes = Routes(self.name)
        self.controls = Controls(self.name, self.health_details)
        if self.controls_on_service_port:
            for rule, methods, handler in self.controls.endpoints():
                self.routes.add(rule, methods, handler)

    def route(self, rule: str, methods: Iterable[str] | None) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.routes.add(rule, methods, fn)
            return fn

        return register

    def health_details(self) -> dict[str, Any]:
        """Override to add service-specific health facts."""
        return {}

    def too_large(self, request: Request) -> Response:
        return json_response({"error": f"the body is over {self.max_body_bytes} bytes"}, 413)

    # -- the controls, for tests in this process -------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        self.controls.add_fault(fault)

    def clear_faults(self) -> None:
        self.controls.clear_faults()

    def recorded(self, prefix: str = "") -> list[RecordedRequest]:
        return self.controls.recorded(prefix)

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = self.max_body_bytes
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if self.controls_on_service_port and request.path.startswith("/_local/"):
            return self.routes.dispatch(request)  # controls and test hooks: neither logged nor faulted
        try:
            record = self.controls.record(request)
        except RequestEntityTooLarge:
            _drain(request.environ)
            return self.too_large(request)
        fault = self.controls.take_fault(request.method, request.path)
        served = self.routes.dispatch(request) if fault is not None and fault.after else None
        if fault is not None:
            if fault.delay_ms:
                time.sleep(fault.delay_ms / 1000)
            if fault.status is not None:
                body = fault.body if fault.body is not None else {"error": "injected fault"}
                record.status = fault.status
                return json_response(body, fault.status)
        response = served if served is not None else self.routes.dispatch(request)
        record.status = response.status_code
        return response


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
