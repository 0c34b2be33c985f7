"""Serve the Privy emulator alone: ``python -m local.privy [--port N] [--app-id ID] [--app-secret S]``."""

from __future__ import annotations

import argparse

from local.privy.emulator import LOCAL_APP_ID, PrivyEmulator
from local.runtime.httpservice import ServedApp
from local.runtime.ports import configured_ports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=configured_ports()["privy"])
    parser.add_argument("--app-id", default=LOCAL_APP_ID)
    parser.add_argument(
        "--app-secret", default=None, help="checked when given; any secret is accepted otherwise"
    )
    parser.add_argument("--evm-rpc-url", default=None)
    parser.add_argument("--solana-rpc-url", default=None)
    args = parser.parse_args()
    emulator = PrivyEmulator(
        args.app_id, args.app_secret, evm_rpc_url=args.evm_rpc_url, solana_rpc_url=args.solana_rpc_url
    )
    ServedApp(emulator, args.port, "privy").run_forever(
        f"Privy emulator (app id {args.app_id}; /v1/..., /_local/...)"
    )


if __name__ == "__main__":
    main()
