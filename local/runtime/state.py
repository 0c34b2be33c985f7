"""The state file of a running local stack (``.basis-local/state.json``): PIDs, URLs, environment."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_DIR = Path(
    os.environ.get("BASIS_LOCAL_STATE_DIR", Path(__file__).resolve().parents[2] / ".basis-local")
)
STATE_FILE = STATE_DIR / "state.json"


def write(state: dict[str, Any]) -> None:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = STATE_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(STATE_FILE)


def read() -> dict[str, Any] | None:
    try:
        return dict(json.loads(STATE_FILE.read_text()))
    except (FileNotFoundError, ValueError):
        return None


def clear() -> None:
    STATE_FILE.unlink(missing_ok=True)


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_if_owner(pid: int) -> bool:
    """Remove the state file only if it records ``pid`` as the stack (another ``up`` may own it)."""
    state = read()
    if state is None or state.get("pids", {}).get("stack") != pid:
        return False
    clear()
    return True


def start_time(pid: int | None) -> int | None:
    """When ``pid`` started (clock ticks since boot, /proc/<pid>/stat field 22); None if unknown."""
    if not pid:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (the command name) may hold spaces and ')': count fields after its closing ')'.
    return int(stat.rsplit(")", 1)[1].split()[19])


def start_times(pids: dict[str, int | None]) -> dict[str, int | None]:
    return {name: start_time(pid) for name, pid in pids.items()}


def same_process(pid: int | None, started: int | None) -> bool:
    """``pid`` is alive and is still the process recorded (not a later one given the same PID).
    Where /proc is missing, both start times are None and this falls back to ``alive``."""
    return alive(pid) and start_time(pid) == started


def recorded_alive(state: dict[str, Any]) -> dict[str, int]:
    """The state file's processes that still run, by name (matched by PID and start time)."""
    started = state.get("started", {})
    return {
        name: pid
        for name, pid in state.get("pids", {}).items()
        if pid and same_process(pid, started.get(name, -1))
    }


def running() -> dict[str, Any] | None:
    """The state of a stack that is up and whose process still lives, else None."""
    state = read()
    if state and state.get("ready") and "stack" in recorded_alive(state):
        return state
    return None
