"""Background loops of the local stack (schedules, queue pollers): daemon threads that run until
``stop()`` sets the shared event, then are joined."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class BackgroundLoops:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def spawn(self, target: Callable[..., Any], *args: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
