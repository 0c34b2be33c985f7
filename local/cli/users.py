"""``basis-local token | fund``: a sign-in token for a user, and money on the local chains."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from local.runtime import state


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
    from local.cli.funding import Funding, NotProvisionedError, fund_user

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
