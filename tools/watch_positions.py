"""Mark for the position monitor every user who holds a position that is not final.

    python -m tools.watch_positions [--stage STAGE]

The monitor's fan-out lists only the users marked in the risk store's sparse ``by_watch`` index; the
open saga marks a user before any of their positions becomes open. Positions opened before that
existed were never marked: this reads each status that is not final (opening, open, closing,
unwinding) from the positions' ``by_status`` index (never a table scan) and marks their users.
Idempotent: a user marked again is still marked once, and the monitor unmarks whoever has nothing
left to watch. Prints one line per user marked and the count.
"""

from __future__ import annotations

import argparse
import sys

from tools.deployment import WrongStageError, add_stage_argument, bootstrap_for

NOT_FINAL = ("opening", "open", "closing", "unwinding")


def users_holding_positions() -> set[str]:
    from basis.positions import service

    return {p.user_id for status in NOT_FINAL for p in service.positions_in_status(status)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.watch_positions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_stage_argument(parser)
    args = parser.parse_args(argv)
    try:
        bootstrap_for(args.stage)
    except WrongStageError as exc:
        print(exc, file=sys.stderr)
        return 2

    from basis.risk import store as risks

    users = sorted(users_holding_positions())
    for user_id in users:
        risks.watch(user_id)
        print(f"watched {user_id}", flush=True)
    print(f"{len(users)} users with positions watched")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
