"""``make bench``: runs every benchmark and writes bench-results/latest.json (plus a dated copy).

Each part also runs alone (``python -m tests.bench.<part>``). Measurements with a budget read
``{"value": v, "budget": b, "unit": u, "within": v <= b}`` (``tests/bench/budgets.py``); the
``budgets`` section at the end lists every one of them by where it sits in the report, and the
machine's load average is recorded next to them (the numbers are wall times).
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench import coldstart, deployment_size, scan, signing, stack_latency

OUT = Path(__file__).resolve().parents[2] / "bench-results"


def budgeted_items(report: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``{"value", "budget", "within"}`` entry in ``report``, with its dotted path."""
    if isinstance(report, dict):
        if {"value", "budget", "within"} <= report.keys():
            yield path, report
            return
        for key, value in report.items():
            yield from budgeted_items(value, f"{path}.{key}" if path else str(key))


def main() -> int:
    started = time.perf_counter()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
        },
    }
    failed: list[str] = []
    # each part gives the report's key(s) it fills: the signing part gives two (signing_overhead, signing)
    parts: tuple[tuple[tuple[str, ...], Callable[[], Any]], ...] = (
        (("coldstart_import",), lambda: (coldstart.run(),)),
        (("deployment_size",), lambda: (deployment_size.run(),)),
        (("local_stack",), lambda: (stack_latency.run(),)),
        (("signing_overhead", "signing"), signing.run),
        (("scan_cycle",), lambda: (scan.run(),)),
    )
    for keys, run in parts:
        try:  # one part failing does not lose the others' numbers; the exit status says so
            results.update(zip(keys, run(), strict=True))
        except Exception as exc:
            results.update({key: {"error": f"{type(exc).__name__}: {exc}"} for key in keys})
            failed.extend(keys)
    results["machine"]["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    items = dict(budgeted_items(results))
    results["budgets"] = {
        "checked": len(items),
        "all_within": all(item["within"] for item in items.values()),
        "over": sorted(path for path, item in items.items() if not item["within"]),
        "items": {path: f"{i['value']} / {i['budget']} {i['unit']}" for path, i in items.items()},
    }
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    OUT.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2)
    (OUT / "latest.json").write_text(text)
    (OUT / f"bench-{results['when'].replace(':', '')}.json").write_text(text)
    print(text)
    print(f"written to {OUT / 'latest.json'}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


raise SystemExit(main())
