"""Headless Chromium (Debian's ``chromium``, installed by ``make browser``) loading a page: its DOM
once the page's scripts ran, or a screenshot. Each run gets a fresh profile, no network beyond
the page (the closed network makes Chromium's background services hang) and a time limit."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_VARIABLE = "CHROMIUM"
TIMEOUT_SECONDS = 60
SCRIPT_BUDGET_MS = 8000  # virtual time the page's scripts get before the DOM is read
WINDOW = "1400,1900"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


class BrowserError(RuntimeError):
    pass


def chromium() -> str:
    """The Chromium to run: ``$CHROMIUM``, else ``chromium`` on the PATH."""
    found = os.environ.get(CHROMIUM_VARIABLE) or shutil.which("chromium")
    if not found:
        raise BrowserError("chromium not found: `make browser` installs Debian's package (or set $CHROMIUM)")
    return found


def _run(url: str, *extra: str) -> str:
    with tempfile.TemporaryDirectory(prefix="basis-chromium-") as profile:
        command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            out, err = process.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)  # its renderer and helper processes too
            process.communicate()
            raise BrowserError(f"chromium did not finish {url} in {TIMEOUT_SECONDS} s") from None
    if process.returncode != 0:
        raise BrowserError(f"chromium exited {process.returncode} on {url}: {err[-2000:]}")
    return out


def dom(url: str) -> str:
    """The page's DOM after its scripts ran for ``SCRIPT_BUDGET_MS`` of virtual time."""
    return _run(url, f"--virtual-time-budget={SCRIPT_BUDGET_MS}", "--dump-dom")


def screenshot(url: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    _run(
        url,
        f"--virtual-time-budget={SCRIPT_BUDGET_MS}",
        f"--window-size={WINDOW}",
        f"--screenshot={path.resolve()}",
    )
    if not path.is_file():
        raise BrowserError(f"chromium wrote no screenshot to {path}")
    return path
