"""The state file of a running local stack (``.basis-local/state.json``): PIDs, URLs, environment."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_DIR = Path(
    os.environ.get("BASIS_LOCAL_STATE_DIR", Path(__file__).resolve().parent.parent / ".basis-local")
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


def running() -> dict[str, Any] | None:
    """The state of a stack that is up and whose process still lives, else None."""
    state = read()
    if state and state.get("ready") and alive(state.get("pids", {}).get("stack")):
        return state
    return None
