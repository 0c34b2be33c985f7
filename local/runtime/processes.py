"""Child processes of the local stack: started in their own process group, stopped by PID.

On Linux each child also gets ``PR_SET_PDEATHSIG=SIGTERM``: if the stack's process dies without
stopping it (SIGKILL, crash), the kernel stops Java and anvil too instead of leaving orphans.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, resolved in the parent: the child between fork and exec only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking for SIGTERM when the launching thread's process goes away; None
    where there is no prctl. The kernel sends it when the launching *thread* exits: launch children
    from the main thread (the stack does)."""
    prctl = _PRCTL
    if prctl is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


class ChildProcess:
    def __init__(self, name: str, argv: list[str], *, cwd: Path | None = None, log_path: Path) -> None:
        self.name = name
        self.argv = argv
        self.cwd = cwd
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._launched_at = 0.0

    def launch(self) -> None:
        """Start the process without waiting for it (see ``wait_ready``)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._launched_at = time.perf_counter()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )

    def wait_ready(self, ready: Callable[[], bool], timeout: float = 30.0) -> float:
        """Wait until ``ready()``; returns the seconds since launch. Stops the process on timeout."""
        if self.process is None:
            raise RuntimeError(f"{self.name} was not launched")
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            if ready():
                return time.perf_counter() - self._launched_at
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_path}")

    def start(self, ready: Callable[[], bool], timeout: float = 30.0) -> float:
        """Start the process and wait until ``ready()``; returns the seconds it took."""
        self.launch()
        return self.wait_ready(ready, timeout)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self, grace: float = 5.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace)
