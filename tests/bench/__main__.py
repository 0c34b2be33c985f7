"""``make bench``: runs every benchmark and writes bench-results/latest.json (plus a dated copy)."""

from __future__ import annotations

import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench import coldstart, scan, signing, stack_latency

OUT = Path(__file__).resolve().parents[2] / "bench-results"


def main() -> int:
    started = time.perf_counter()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "coldstart_import": coldstart.run(),
        "local_stack": stack_latency.run(),
        "scan_cycle": scan.run(),
    }
    results["signing_overhead"], results["signing"] = signing.run()
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    OUT.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2)
    (OUT / "latest.json").write_text(text)
    (OUT / f"bench-{results['when'].replace(':', '')}.json").write_text(text)
    print(text)
    print(f"written to {OUT / 'latest.json'}")
    return 0


raise SystemExit(main())
