"""The Hyperliquid simulator: ``/info`` and ``/exchange`` with the real API's shapes and signature rules.

``HyperliquidSimulator`` is the HTTP service (a ``LocalService``), ``HyperliquidState`` its ledger,
``BridgeWatcher`` credits USDC transfers to the local Bridge2 contract.
"""

from local.hyperliquid.bridge_watcher import BridgeWatcher, Deposit, parse_transfer
from local.hyperliquid.errors import ActionError
from local.hyperliquid.markets import Market, default_markets
from local.hyperliquid.nonces import Clock
from local.hyperliquid.simulator import HyperliquidSimulator
from local.hyperliquid.state import HyperliquidState, Withdrawal

__all__ = [
    "ActionError",
    "BridgeWatcher",
    "Clock",
    "Deposit",
    "HyperliquidSimulator",
    "HyperliquidState",
    "Market",
    "Withdrawal",
    "default_markets",
    "parse_transfer",
]
