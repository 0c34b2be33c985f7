"""``make soak`` (``python -m tests.soak``): the fault soak, bounded by ``SOAK_SECONDS`` (faults) and
``SOAK_USERS``; the report is printed and written to soak-results/ (``latest.txt`` and a dated
copy). Exits 1 when the soak found anything (a duplicate, an overshoot, a difference, an operation
left unfinished)."""

from __future__ import annotations

import argparse
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "soak-results"


def main() -> int:
    parser = argparse.ArgumentParser(prog="make soak")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 300)))
    parser.add_argument("--users", type=int, default=int(os.environ.get("SOAK_USERS", 4)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED", 13)))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    for name in ("werkzeug", "moto", "botocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    from tests.soak.report import clean, render
    from tests.soak.run import SoakConfig, run

    result = run(SoakConfig.sized(args.seconds, args.users, args.seed))
    text = render(result)
    args.out.mkdir(exist_ok=True)
    when = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in ("latest.txt", f"soak-{when}.txt"):
        (args.out / name).write_text(text + "\n")
    print(text, flush=True)
    return 0 if clean(result) else 1


raise SystemExit(main())
