"""Serve the Hyperliquid simulator alone: ``python -m local.hyperliquid [--port N]`` (Ctrl-C stops it)."""

from __future__ import annotations

import argparse

from local.hyperliquid.simulator import HyperliquidSimulator
from local.runtime.httpservice import ServedApp
from local.runtime.ports import configured_ports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=configured_ports()["hyperliquid"])
    args = parser.parse_args()
    ServedApp(HyperliquidSimulator(), args.port, "hyperliquid").run_forever(
        "Hyperliquid simulator (POST /info, POST /exchange, /_local/...)"
    )


if __name__ == "__main__":
    main()
