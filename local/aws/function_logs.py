"""Function logs as Lambda keeps them: each function's output in a log of its own, every line
stamped with the invocation that wrote it.

In this process all handlers share the product's one Powertools logger, whose Lambda context keys
(``function_name``, request id, ...) are process-global: the latest invocation would stamp every
line, whichever function wrote it. So each invocation runs in a scope (a context variable of the
invoking thread) and, once ``FunctionLogs.install()`` ran:

* a filter on the product logger's handler stamps each record with its own invocation's keys
  (and strips them from lines written outside any invocation);
* that handler's stream and ``sys.stdout`` send whatever a scope writes (JSON log lines, EMF
  metrics, prints) to ``<log_dir>/functions/<function>.log``, or to ``<log_dir>/<scope>.log`` for
  the scopes that are not functions (the stack's set-up, the demo's own calls); writes outside any
  scope go where they went before. ``verbose`` echoes the routed lines to stderr.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

LAMBDA_KEYS = ("cold_start", "function_name", "function_memory_size", "function_arn", "function_request_id")


@dataclass
class Scope:
    """Who is writing: an invocation of ``log`` (a catalog function) with its Lambda keys, or a
    named part of the stack outside Lambda (``keys`` None)."""

    log: str
    keys: dict[str, Any] | None = None

    @property
    def path(self) -> str:
        return f"functions/{self.log}.log" if self.keys is not None else f"{self.log}.log"


_current: ContextVar[Scope | None] = ContextVar("local_log_scope", default=None)


@contextmanager
def scope(current: Scope) -> Iterator[Scope]:
    """Everything this thread logs or prints inside belongs to ``current``."""
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def invocation_keys(context: Any, cold_start: bool) -> dict[str, Any]:
    """The keys Powertools' ``inject_lambda_context`` adds, for this invocation."""
    return {
        "cold_start": cold_start,
        "function_name": context.function_name,
        "function_memory_size": context.memory_limit_in_mb,
        "function_arn": context.invoked_function_arn,
        "function_request_id": context.aws_request_id,
    }


class StampInvocation(logging.Filter):
    """Record attributes override the formatter's keys; None ones are dropped by Powertools."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _current.get()
        keys = current.keys if current is not None and current.keys is not None else None
        for key in LAMBDA_KEYS:
            setattr(record, key, keys[key] if keys else None)
        return True


class RoutedStream(io.TextIOBase):
    """Sends each thread's complete lines to its scope's log; writes outside a scope to ``fallback``."""

    def __init__(self, logs: FunctionLogs, fallback: TextIO) -> None:
        self.logs = logs
        self.fallback = fallback
        self._partial = threading.local()  # print() writes the text and the newline separately

    def write(self, text: str) -> int:
        current = _current.get()
        if current is None:
            return self.fallback.write(text)
        pending = getattr(self._partial, "text", "") + text
        *lines, self._partial.text = pending.split("\n")
        for line in lines:
            self.logs.write(current, line)
        return len(text)

    def flush(self) -> None:
        self.fallback.flush()

    # What code asks of sys.stdout: the answers of the stream it stands in for.
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.fallback, "encoding", None) or "utf-8")

    def isatty(self) -> bool:
        return self.fallback.isatty()

    def fileno(self) -> int:
        return self.fallback.fileno()


class FunctionLogs:
    def __init__(self, log_dir: Path, *, verbose: bool = False) -> None:
        self.log_dir = log_dir
        self.verbose = verbose
        self._files: dict[str, TextIO] = {}
        self._lock = threading.Lock()
        self._restore: list[tuple[Any, str, Any]] = []
        self._stamp = StampInvocation()

    def write(self, current: Scope, line: str) -> None:
        with self._lock:
            out = self._files.get(current.path)
            if out is None:
                path = self.log_dir / current.path
                path.parent.mkdir(parents=True, exist_ok=True)
                out = self._files[current.path] = path.open("a", encoding="utf-8", buffering=1)
            out.write(line + "\n")
            if self.verbose:
                sys.stderr.write(line + "\n")

    def install(self) -> FunctionLogs:
        """Route the product logger's handler and ``sys.stdout`` (until ``uninstall``)."""
        from basis.platform.observability import logger

        handler = logger.registered_handler
        if not isinstance(handler, logging.StreamHandler) or isinstance(handler.stream, RoutedStream):
            return self  # another stack in this process routes them already
        self._restore = [(handler, "stream", handler.stream), (sys, "stdout", sys.stdout)]
        handler.setStream(RoutedStream(self, handler.stream))
        handler.addFilter(self._stamp)
        sys.stdout = RoutedStream(self, sys.stdout)
        return self

    def uninstall(self) -> None:
        for owner, attribute, original in self._restore:
            if isinstance(getattr(owner, attribute), RoutedStream):
                setattr(owner, attribute, original)
                if isinstance(owner, logging.Handler):
                    owner.removeFilter(self._stamp)
        self._restore = []
        with self._lock:
            for out in self._files.values():
                out.close()
            self._files.clear()
