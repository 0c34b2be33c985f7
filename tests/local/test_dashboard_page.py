"""``basis-local dashboard`` in headless Chromium (Debian's ``chromium``; ``make browser``): over a
log folder holding the metrics the product writes, every graph draws its series with Chart.js
(served from node_modules: no network); over an empty folder, none does. The screenshot is kept in
``test-artifacts/dashboard.png``."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import requests
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from basis.platform.observability import METRICS_NAMESPACE
from infra.metric_graphs import GRAPHS, Series
from local.cli import main
from local.dashboard import browser
from local.runtime.httpservice import ServedApp
from tests.dashboard_page import ARTEFACTS, dashboard, drawn


def emf_line(series: Series, value: int) -> str:
    """The line Powertools writes for one point of ``series`` (its first dimension set)."""
    out = io.StringIO()
    with (
        redirect_stdout(out),
        single_metric(
            name=series.metric,
            unit=MetricUnit.Count,
            value=value,
            namespace=METRICS_NAMESPACE,
            default_dimensions=series.combinations()[0],
        ),
    ):
        pass
    return out.getvalue()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServedApp, Path]]:
    with dashboard(tmp_path) as app:
        yield app, tmp_path


def test_every_graph_draws_the_metrics_in_the_logs(served: tuple[ServedApp, Path]) -> None:
    app, log_dir = served
    (log_dir / "functions").mkdir()
    with (log_dir / "functions" / "worker.log").open("w") as log:
        log.write('{"level":"INFO","message":"not a metric"}\n')
        for graph in GRAPHS:
            for i, series in enumerate(graph.series[:2]):
                log.write(emf_line(series, i + 1))
    answer = requests.get(f"{app.url}/series.json", timeout=10).json()
    assert answer["points"] == sum(len(g.series[:2]) for g in GRAPHS)
    assert requests.get(f"{app.url}/chart.js", timeout=10).text.startswith("/*!")

    summary, points = drawn(f"{app.url}/")

    assert summary["graphs"] == str(len(GRAPHS)) and json.loads(summary["empty"].replace("&quot;", '"')) == []
    assert points == {graph.title: len(graph.series[:2]) for graph in GRAPHS}
    shot = browser.screenshot(f"{app.url}/", ARTEFACTS / "dashboard.png")
    print(f"dashboard screenshot: {shot}")
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000


def test_an_empty_log_folder_draws_nothing(served: tuple[ServedApp, Path]) -> None:
    app, _ = served
    summary, points = drawn(f"{app.url}/")
    assert summary["points"] == "0" and set(points.values()) == {0}
    assert len(json.loads(summary["empty"].replace("&quot;", '"'))) == len(GRAPHS)


def test_the_cli_saves_the_page_as_chromium_draws_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    (log_dir / "demo.log").write_text(emf_line(GRAPHS[0].series[0], 1))
    shot = tmp_path / "dashboard.png"
    assert main(["dashboard", "--log-dir", str(log_dir), "--screenshot", str(shot)]) == 0
    assert capsys.readouterr().out.strip() == str(shot)
    assert shot.read_bytes().startswith(b"\x89PNG")
