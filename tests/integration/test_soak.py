"""The short fault soak in ``make test`` (``make soak`` runs the long one): 2 users for 20 s of
faults, in a process and a local stack of its own (its DynamoDB Local is paused, its emulators
fail at random: nothing of it may reach the session's stack). It passes only when every operation
ended final, nothing was sent twice, no cap was passed and every user reconciles to the cent."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(
    r"^soak: (\d+) operations, duplicates=(\d+), overshoot=(\d+), reconciliation_diff=(\S+)$"
)


@pytest.mark.timeout(420)
def test_a_short_soak_ends_final_without_duplicates_overshoot_or_difference(tmp_path: Path) -> None:
    paths = [str(ROOT / "layers" / "domain"), str(ROOT), os.environ.get("PYTHONPATH")]
    path = os.pathsep.join(p for p in paths if p)
    finished = subprocess.run(
        [sys.executable, "-m", "tests.soak", "--seconds", "20", "--users", "2", "--out", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    report = finished.stdout.strip()
    match = LAST_LINE.match(report.splitlines()[-1] if report else "")
    assert match, f"no soak line in:\n{report}\n{finished.stderr[-3000:]}"
    operations, duplicates, overshoot, diff = match.groups()
    assert int(operations) > 0
    assert (duplicates, overshoot, diff) == ("0", "0", "0.00"), report
    assert "not final: 0" in report.splitlines(), report
    assert finished.returncode == 0, report
    injected = re.search(r"hyperliquid: .* \(total (\d+)\)", report)
    assert injected and int(injected.group(1)) > 0, report  # the faults did hit
    assert (tmp_path / "latest.txt").read_text().strip() == report
