"""The local dashboard's reading of the EMF lines the product writes: points, the exact dimension
sets CloudWatch matches on, and the series per time bucket (sums, maxima, gaps)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from basis.platform.observability import METRICS_NAMESPACE
from basis.scheduling.slots import emit
from infra.metric_graphs import GRAPHS, SCANS, STUCK_DEPOSITS, Series, signing
from local.dashboard import emf
from local.dashboard.emf import Point, Window


def emitted(metric: str, value: int, **dimensions: str) -> str:
    """The EMF line the product's emitter writes for this metric (Powertools ``single_metric``)."""
    out = io.StringIO()
    with redirect_stdout(out):
        emit(metric, value, **dimensions)
    (line,) = out.getvalue().splitlines()
    return line


def test_a_line_the_product_writes_is_one_point_with_its_dimensions() -> None:
    line = emitted("ScanEvaluations", 3, outcome="entered")
    (point,) = emf.parse(line)
    assert (point.metric, point.dimensions, point.value) == ("ScanEvaluations", {"outcome": "entered"}, 3.0)
    assert point.timestamp_ms == json.loads(line)["_aws"]["Timestamp"]
    (plain,) = emf.parse(emitted("GasFunderLow", 1))
    assert plain.dimensions == {}


def test_other_lines_namespaces_and_broken_json_are_no_points() -> None:
    line = emitted("ScanEvaluations", 1, outcome="entered")
    assert emf.parse('{"level": "INFO", "message": "scan batch"}') == []
    assert emf.parse(line.replace(f'"{METRICS_NAMESPACE}"', '"Other"')) == []
    assert emf.parse(line[:-5]) == []


def test_a_series_counts_only_its_exact_dimension_set() -> None:
    denied = signing("policy_denied")
    assert denied.matches("SigningRequests", {"result": "policy_denied", "chain": "solana"})
    assert not denied.matches("SigningRequests", {"result": "success", "chain": "solana"})
    # One more dimension is another metric for CloudWatch: its alarms would never see it.
    assert not denied.matches(
        "SigningRequests", {"result": "policy_denied", "chain": "solana", "service": "basis"}
    )
    assert not denied.matches("SigningRequests", {"result": "policy_denied"})


def test_sums_per_bucket_are_zero_where_nothing_was_counted_and_maxima_are_gaps() -> None:
    start = 1_800_000_000_000
    points = [
        Point("ScanEvaluations", {"outcome": "entered"}, start + 1_000, 2),
        Point("ScanEvaluations", {"outcome": "skipped:paused"}, start + 2_000, 1),
        Point("ScanEvaluations", {"outcome": "skipped:cooldown"}, start + 3_000, 4),
        Point("ScanEvaluations", {"outcome": "entered"}, start + 21_000, 1),
        Point("StuckDeposits", {}, start + 1_000, 3),
        Point("StuckDeposits", {}, start + 4_000, 1),
    ]
    window = Window.over(points, minutes=30, bucket_seconds=10)
    assert (window.start_ms, window.count) == (start, 3)
    entered, _ready, skipped, _failed = (emf.values(s, points, window) for s in SCANS.series)
    assert entered == [2, 0, 1] and skipped == [5, 0, 0]
    assert emf.values(STUCK_DEPOSITS, points, window) == [3, None, None]


def test_the_window_is_the_last_minutes_of_the_logs_in_as_few_buckets_as_fit() -> None:
    end = 1_800_000_000_000
    points = [Point("GasFunderLow", {}, end - m * 60_000, 1) for m in (120, 20, 0)]
    window = Window.over(points, minutes=30)
    assert window.bucket_ms == 30_000  # 20 minutes in at most 90 buckets
    assert window.start_ms <= end - 20 * 60_000 and window.index(end - 120 * 60_000) is None
    assert sum(v or 0 for v in emf.values(Series("low", "GasFunderLow"), points, window)) == 2
    assert Window.over([], minutes=30).count == 0


def test_every_log_file_under_the_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "scan_worker.log").write_text(
        '{"level": "INFO"}\n' + emitted("ScanEvaluations", 1, outcome="entered") + "\n"
    )
    (tmp_path / "demo.log").write_text(emitted("GasFunderLow", 1) + "\n")
    (tmp_path / "local.log").write_text("2026-12-02 INFO local.gateway: GET /api/v1/health 200\n")
    assert sorted(p.metric for p in emf.read(tmp_path)) == ["GasFunderLow", "ScanEvaluations"]


def test_each_graph_answers_each_of_its_series() -> None:
    points = [emf.parse(emitted("ScanEvaluations", 1, outcome="entered"))[0]]
    window = Window.over(points, minutes=30)
    drawn = emf.graphs(GRAPHS, points, window)
    assert [g["title"] for g in drawn] == [g.title for g in GRAPHS]
    scans = next(g for g in drawn if g["title"] == SCANS.title)
    assert scans["stacked"] and scans["series"][0] == {
        "label": "entered",
        "metric": "ScanEvaluations",
        "statistic": "Sum",
        "values": [1.0],
    }
