"""The local dashboard served over a log folder, and what headless Chromium drew of it (for the
dashboard's own test and the demo's)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local.dashboard import browser
from local.dashboard.server import Dashboard
from local.runtime.httpservice import ServedApp

ARTEFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # kept after the run (gitignored)


@contextmanager
def dashboard(log_dir: Path) -> Iterator[ServedApp]:
    app = ServedApp(Dashboard(log_dir), 0, "dashboard").start()
    try:
        yield app
    finally:
        app.stop()


def drawn(url: str) -> tuple[dict[str, str], dict[str, int]]:
    """The page's summary of what it drew, and the points drawn per graph."""
    dom = browser.dom(url)
    summary = re.search(r'<div id="drawn"([^>]*)>', dom)
    assert summary, dom[-2000:]
    attributes = dict(re.findall(r'data-(\w+)="([^"]*)"', summary.group(1)))
    cards = re.findall(r'class="graph" data-title="([^"]*)" data-series="\d+" data-points="(\d+)"', dom)
    return attributes, {title.replace("&amp;", "&"): int(points) for title, points in cards}
