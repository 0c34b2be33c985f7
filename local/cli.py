"""``basis-local``: start, stop and inspect the embedded local stack, and run the demo."""

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

from local import state

QUIET_LOGGERS = ("werkzeug", "moto", "botocore", "urllib3")


def _quiet() -> None:
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
    from local.ports import configured_ports
    from local.stack import LocalStack

    _quiet()
    try:
        ports = configured_ports()
    except ValueError as exc:
        print(f"basis-local: {exc}", file=sys.stderr)
        return 2
    stack = LocalStack(ports, speed=args.speed)
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
            [sys.executable, "-m", "local", "up", "--speed", str(args.speed)],
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


def _running_or_fail() -> dict[str, Any] | None:
    current = state.running()
    if not current:
        print("no local stack is running: start one with `basis-local up --detach`", file=sys.stderr)
    return current


def cmd_token(args: argparse.Namespace) -> int:
    import requests

    current = _running_or_fail()
    if not current:
        return 3
    answer = requests.post(
        f"{current['urls']['privy']}/_local/tokens",
        json={"user_id": args.user, "ttl_seconds": args.ttl},
        timeout=10,
    )
    if not answer.ok:
        print(f"basis-local: {answer.json().get('error', answer.text)}", file=sys.stderr)
        return 2
    print(answer.json()["token"])
    return 0


def cmd_fund(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from basis.platform.config import get_settings
    from basis.platform.runtime import bootstrap
    from local.funding import Funding, NotProvisionedError, fund_user

    current = _running_or_fail()
    if not current:
        return 3
    os.environ.update(current["environment"])
    get_settings.cache_clear()
    bootstrap()
    funding = Funding(
        usdc=Decimal(args.usdc),
        eth=Decimal(args.eth),
        sol=Decimal(args.sol),
        solana_usdc=Decimal(args.solana_usdc),
    )
    try:
        for line in fund_user(current["urls"], args.user, funding):
            print(f"funded {line}")
    except NotProvisionedError as exc:
        print(f"basis-local: {exc}", file=sys.stderr)
        return 2
    return 0


def _amount(text: str) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError("amounts cannot be negative")
    return text


def _user(text: str) -> str:
    if not text.startswith("did:privy:") or len(text) <= len("did:privy:"):
        raise argparse.ArgumentTypeError("users look like did:privy:NAME")
    return text


def cmd_demo(args: argparse.Namespace) -> int:
    from local.demo import run_demo

    _quiet()
    return run_demo(speed=args.speed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="basis-local", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start every local service")
    up.add_argument("--detach", action="store_true", help="run in the background; stop with `down`")
    up.add_argument("--speed", type=float, default=1.0, help="divide schedule periods and waits by this")
    up.set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop what `up --detach` started").set_defaults(func=cmd_down)
    sub.add_parser("status", help="show what runs and where").set_defaults(func=cmd_status)
    token = sub.add_parser("token", help="print a Privy-style ES256 access token for a user")
    token.add_argument("--user", required=True, type=_user, help="did:privy:NAME")
    token.add_argument("--ttl", type=int, default=3600, help="seconds the token lives")
    token.set_defaults(func=cmd_token)
    fund = sub.add_parser("fund", help="credit a user's server wallets on the local chains")
    fund.add_argument("--user", required=True, type=_user, help="did:privy:NAME (signed in already)")
    fund.add_argument("--usdc", type=_amount, default="0", help="USDC on Arbitrum (anvil)")
    fund.add_argument("--eth", type=_amount, default="0", help="ETH on Arbitrum (anvil), for gas")
    fund.add_argument("--sol", type=_amount, default="0", help="SOL on Solana (LiteSVM)")
    fund.add_argument("--solana-usdc", type=_amount, default="0", help="USDC on Solana (Asgard collateral)")
    fund.set_defaults(func=cmd_fund)
    demo = sub.add_parser("demo", help="run the user journey against the running (or a fresh) stack")
    demo.add_argument("--speed", type=float, default=60.0, help="schedule speed-up for a fresh stack")
    demo.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    if args.command in {"up", "demo"} and args.speed <= 0:
        parser.error("--speed must be positive")
    return int(args.func(args))
