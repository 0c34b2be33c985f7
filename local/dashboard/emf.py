"""The EMF metric lines in the local stack's log folder, read back as points and summed into the
series of ``infra.metric_graphs`` per time bucket (as CloudWatch would per period).

An EMF line is one JSON object: ``_aws.Timestamp`` (ms), ``_aws.CloudWatchMetrics`` (namespace,
dimension sets, metric names) and, at its top level, each dimension's value and each metric's
value (or list of values)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from basis.platform.observability import METRICS_NAMESPACE
from infra.metric_graphs import Graph, Series

MARKER = '"_aws"'  # lines without it are not EMF: not parsed
REDUCE: dict[str, Callable[[list[float]], float]] = {"Sum": math.fsum, "Maximum": max, "Minimum": min}


@dataclass(frozen=True)
class Point:
    metric: str
    dimensions: dict[str, str]
    timestamp_ms: int
    value: float


def parse(line: str, namespace: str = METRICS_NAMESPACE) -> list[Point]:
    """The points of one log line of ``namespace`` (none for any other line)."""
    if MARKER not in line:
        return []
    try:
        document = json.loads(line)
        directives = document["_aws"]["CloudWatchMetrics"]
        timestamp = int(document["_aws"]["Timestamp"])
    except (ValueError, TypeError, KeyError):
        return []
    return [
        Point(metric["Name"], {name: str(document[name]) for name in names}, timestamp, float(value))
        for directive in directives
        if directive.get("Namespace") == namespace
        for names in directive.get("Dimensions") or [[]]
        for metric in directive.get("Metrics", [])
        for value in _values(document.get(metric["Name"]))
    ]


def _values(raw: Any) -> list[Any]:
    return [] if raw is None else raw if isinstance(raw, list) else [raw]


def read(log_dir: Path) -> Iterator[Point]:
    """Every point in the ``*.log`` files under ``log_dir`` (the functions' and the other scopes')."""
    for path in sorted(log_dir.rglob("*.log")):
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                yield from parse(line)


BUCKET_STEPS = (5, 10, 30, 60, 300, 600, 1800, 3600)  # seconds: the automatic bucket is one of these
MAX_BUCKETS = 90


@dataclass(frozen=True)
class Window:
    """``count`` buckets of ``bucket_ms`` from ``start_ms``."""

    start_ms: int
    bucket_ms: int
    count: int

    @classmethod
    def over(cls, points: list[Point], minutes: int, bucket_seconds: int | None = None) -> Window:
        """The buckets from the first point to the last, at most the last ``minutes``; without
        ``bucket_seconds``, the shortest step that needs at most ``MAX_BUCKETS``."""
        if not points:
            return cls(0, (bucket_seconds or BUCKET_STEPS[0]) * 1000, 0)
        end = max(p.timestamp_ms for p in points)
        start = max(min(p.timestamp_ms for p in points), end - minutes * 60_000)
        if bucket_seconds is None:
            fitting = (s for s in BUCKET_STEPS if (end - start) // (s * 1000) < MAX_BUCKETS)
            bucket_seconds = next(fitting, BUCKET_STEPS[-1])
        bucket_ms = bucket_seconds * 1000
        return cls(start - start % bucket_ms, bucket_ms, end // bucket_ms - start // bucket_ms + 1)

    def index(self, timestamp_ms: int) -> int | None:
        at = (timestamp_ms - self.start_ms) // self.bucket_ms
        return at if 0 <= at < self.count else None

    def times(self) -> list[int]:
        return [self.start_ms + i * self.bucket_ms for i in range(self.count)]


def values(series: Series, points: Iterable[Point], window: Window) -> list[float | None]:
    """``series`` per bucket of ``window``: its points summed, or their maximum or minimum (a
    bucket without points is 0 for a sum, a gap otherwise)."""
    reduce = REDUCE[series.statistic]
    found: list[list[float]] = [[] for _ in range(window.count)]
    for point in points:
        at = window.index(point.timestamp_ms)
        if at is not None and series.matches(point.metric, point.dimensions):
            found[at].append(point.value)
    empty = 0.0 if series.statistic == "Sum" else None
    return [reduce(bucket) if bucket else empty for bucket in found]


def graphs(graphs: Iterable[Graph], points: list[Point], window: Window) -> list[dict[str, Any]]:
    """Each graph with its series' values per bucket, as the page draws them."""
    return [
        {
            "title": graph.title,
            "stacked": graph.stacked,
            "series": [
                {
                    "label": series.label,
                    "metric": series.metric,
                    "statistic": series.statistic,
                    "values": values(series, points, window),
                }
                for series in graph.series
            ],
        }
        for graph in graphs
    ]
