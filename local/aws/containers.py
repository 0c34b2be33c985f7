"""Warm containers of one function, kept as Lambda keeps them.

A container serves one invocation at a time, so handler state (the resolver's current event, ...)
is never shared by concurrent invocations. An invocation takes an idle warm container; when all are
busy it starts a new one (a cold start) while the pool has fewer than ``max_containers``, else it
waits for one to free up (Lambda would throttle at its concurrency limit). A burst thus costs the
handlers' work, not one cold start per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class ThrottledError(Exception):
    """Every container stayed busy for the whole wait."""


class ContainerPool(Generic[T]):
    def __init__(self, start: Callable[[int], T], max_containers: int) -> None:
        """``start(n)`` makes the ``n``-th container (its init); a failed init is not kept."""
        if max_containers < 1:
            raise ValueError("a pool needs room for at least one container")
        self._start = start
        self.max_containers = max_containers
        self._idle: list[T] = []
        self._started = 0
        self._available = threading.Condition()

    @property
    def size(self) -> int:
        """How many containers the pool holds, busy or idle (each was one cold start)."""
        with self._available:
            return self._started

    @contextmanager
    def container(self, wait_seconds: float) -> Iterator[tuple[T, bool]]:
        """A container for one invocation and whether it is cold (just started)."""
        taken, cold = self._acquire(wait_seconds)
        try:
            yield taken, cold
        finally:
            with self._available:
                self._idle.append(taken)
                self._available.notify()

    def _acquire(self, wait_seconds: float) -> tuple[T, bool]:
        deadline = time.monotonic() + wait_seconds
        with self._available:
            while not self._idle and self._started >= self.max_containers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ThrottledError(f"all {self.max_containers} containers stayed busy")
                self._available.wait(remaining)
            if self._idle:
                return self._idle.pop(), False
            self._started += 1
            number = self._started
        try:
            return self._start(number), True
        except BaseException:
            with self._available:  # the slot is free again: another invocation may retry the init
                self._started -= 1
                self._available.notify()
            raise
