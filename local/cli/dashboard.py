"""``basis-local dashboard``: serve the local dashboard over a log folder until Ctrl-C, or (with
``--screenshot``) take a picture of it in headless Chromium and stop."""

from __future__ import annotations

import argparse
from pathlib import Path

from local.runtime import state


def serve(args: argparse.Namespace) -> int:
    from local.dashboard.server import Dashboard
    from local.runtime.httpservice import ServedApp

    log_dir = Path(args.log_dir) if args.log_dir else default_log_dir()
    served = ServedApp(Dashboard(log_dir), 0 if args.screenshot else args.port, "dashboard")
    if not args.screenshot:
        served.run_forever(f"dashboard over {log_dir}")
        return 0
    from local.dashboard import browser

    served.start()
    try:
        print(browser.screenshot(served.url + "/", Path(args.screenshot)))
    finally:
        served.stop()
    return 0


def default_log_dir() -> Path:
    """The running stack's log folder, else the one ``up`` and ``demo`` write to."""
    current = state.running()
    return Path(current["logs"]) if current and "logs" in current else state.STATE_DIR / "logs"
