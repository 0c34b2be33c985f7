"""``basis-local up | down | status``: start the local stack, stop it by PID, show what runs where."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from local.runtime import state

QUIET_LOGGERS = ("werkzeug", "moto", "botocore", "urllib3")


def quiet() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _print_urls(info: dict[str, Any]) -> None:
    for name, url in info["urls"].items():
        print(f"  {name:<12} {url}")


def cmd_up(args: argparse.Namespace) -> int:
    existing = state.running()
    if existing:
        print(f"local stack already running (pid {existing['pids']['stack']}); `basis-local down` first")
        return 1
    stale = state.read()
    leftovers = state.recorded_alive(stale) if stale else {}
    if leftovers:
        listed = ", ".join(f"{name} pid {pid}" for name, pid in leftovers.items())
        print(
            f"a previous local stack left processes running ({listed}) on its ports; "
            "`basis-local down` stops them"
        )
        return 1
    if args.detach:
        return _up_detached(args)
    from local.runtime.ports import configured_ports
    from local.runtime.stack import LocalStack

    quiet()
    try:
        ports = configured_ports()
    except ValueError as exc:
        print(f"basis-local: {exc}", file=sys.stderr)
        return 2
    stack = LocalStack(ports, speed=args.speed, verbose=args.verbose)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        stack.start()
        info = stack.describe()
        started = state.start_times(info["pids"])
        state.write(
            {
                **info,
                "started": started,
                "ready": True,
                "environment": stack.environment(),
                "speed": args.speed,
            }
        )
        print(f"local stack up in {stack.timings.total:.2f}s (speed x{args.speed:g}):")
        _print_urls(info)
        sys.stdout.flush()
        stop.wait()
    finally:
        stack.stop()
        state.clear_if_owner(os.getpid())
        print("local stack stopped")
    return 0


def _up_detached(args: argparse.Namespace) -> int:
    state.STATE_DIR.mkdir(parents=True, exist_ok=True)
    log_path = state.STATE_DIR / "stack.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local", "up", "--speed", str(args.speed)]
            + (["--verbose"] if args.verbose else []),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        current = state.running()
        if current and current["pids"]["stack"] == process.pid:
            print(f"local stack up in {current['startup_seconds']['total']:.2f}s (pid {process.pid}):")
            _print_urls(current)
            return 0
        if process.poll() is not None:
            print(f"local stack failed to start (exit {process.returncode}); see {log_path}")
            return 1
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    print(f"local stack not ready after 120s; see {log_path}")
    return 1


def cmd_down(args: argparse.Namespace) -> int:
    current = state.read()
    if not current:
        print("no local stack is running")
        return 0
    # Only processes still matching the recorded PID *and* start time: a PID reused since by an
    # unrelated process is left alone.
    stack_pid = state.recorded_alive(current).get("stack")
    if stack_pid:
        os.kill(stack_pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while "stack" in state.recorded_alive(current) and time.monotonic() < deadline:
            time.sleep(0.1)
    leftovers = list(state.recorded_alive(current).values())
    for pid in leftovers:  # the stack did not stop its children in time: stop them by PID
        os.kill(pid, signal.SIGKILL)
    state.clear()
    print("local stack stopped" + (f" (killed {leftovers})" if leftovers else ""))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    import requests

    current = state.running()
    if not current:
        print("local stack: not running")
        return 3
    print(
        f"local stack: running (pid {current['pids']['stack']}, up in {current['startup_seconds']['total']}s)"
    )
    for name, url in current["urls"].items():
        try:
            answer = requests.get(f"{url}/_local/health", timeout=2).status_code
            status = "up" if answer < 500 else f"HTTP {answer}"
        except requests.RequestException:
            status = "listening?" if name in {"dynamodb", "anvil", "aws"} else "down"
        print(f"  {name:<12} {url:<28} {status}")
    return 0
