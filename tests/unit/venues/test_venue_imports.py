"""The EVM-side venue modules import no chain library (web3, eth_account, the Hyperliquid SDK,
privy-client) until a client needs it, so a function that only imports them keeps its cold start."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.bench.coldstart import HEAVY

MODULES = (
    "basis.venues.context",
    "basis.venues.hyperliquid.trader",
    "basis.venues.arbitrum.client",
    "basis.venues.arbitrum.gas",
)


def test_importing_the_venue_clients_loads_no_heavy_library() -> None:
    probe = (
        f"import json, sys\nfor m in {MODULES!r}: __import__(m)\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
