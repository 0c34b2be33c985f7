"""``basis-local``: start, stop and inspect the embedded local stack, and run the demo."""

from __future__ import annotations

import argparse

from local.cli.lifecycle import cmd_down, cmd_status, cmd_up, quiet
from local.cli.users import cmd_fund, cmd_token

VERBOSE_HELP = "also echo the functions' logs (always in the stack's log folder) to stderr"


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
    from local.cli.demo import run_demo

    quiet()
    return run_demo(speed=args.speed, verbose=args.verbose)


def cmd_dashboard(args: argparse.Namespace) -> int:
    from local.cli.dashboard import serve

    quiet()
    return serve(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="basis-local", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start every local service")
    up.add_argument("--detach", action="store_true", help="run in the background; stop with `down`")
    up.add_argument("--speed", type=float, default=1.0, help="divide schedule periods and waits by this")
    up.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
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
    demo.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    demo.set_defaults(func=cmd_demo)
    dashboard = sub.add_parser("dashboard", help="graph the product's metrics from the stack's logs")
    dashboard.add_argument("--log-dir", help="the log folder (default: the stack's, .basis-local/logs)")
    dashboard.add_argument("--port", type=int, default=8050, help="on 127.0.0.1 (0: any free port)")
    dashboard.add_argument(
        "--screenshot", metavar="PNG", help="save the page as drawn by headless Chromium, stop"
    )
    dashboard.set_defaults(func=cmd_dashboard)
    args = parser.parse_args(argv)
    if args.command in {"up", "demo"} and args.speed <= 0:
        parser.error("--speed must be positive")
    return int(args.func(args))
