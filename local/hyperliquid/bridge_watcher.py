"""Credits USDC sent to the local Bridge2 contract, as Hyperliquid's validators do on Arbitrum.

A deposit is a plain ERC-20 ``Transfer(from, bridge, value)``; the sender is credited
``value / 10**6`` USDC (the simulator refuses under 5 USDC). ``poll_once`` reads the logs since the
last block it saw with ``eth_getLogs``; ``start`` runs it in a daemon thread every ``interval`` seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_utils import keccak, to_checksum_address
from web3 import Web3

log = logging.getLogger(__name__)

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
USDC_DECIMALS = 6
CreditDeposit = Callable[[str, Decimal, str], bool]


@dataclass(frozen=True)
class Deposit:
    sender: str
    amount_usdc: Decimal
    tx_ref: str  # "<transaction hash>:<log index>", unique per transfer
    block: int


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text


def _topic_address(address: str) -> str:
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")


def parse_transfer(log_entry: Mapping[str, Any], bridge_address: str) -> Deposit | None:
    """The deposit a USDC ``Transfer`` log records, or ``None`` if it is not a transfer to the bridge."""
    topics = [_hex(t).lower() for t in log_entry.get("topics", [])]
    if len(topics) != 3 or topics[0] != TRANSFER_TOPIC or topics[2] != _topic_address(bridge_address):
        return None
    sender = to_checksum_address("0x" + topics[1][-40:])
    value = int(_hex(log_entry["data"]), 16)
    tx_ref = f"{_hex(log_entry['transactionHash']).lower()}:{int(log_entry['logIndex'])}"
    return Deposit(sender, Decimal(value).scaleb(-USDC_DECIMALS), tx_ref, int(log_entry["blockNumber"]))


class BridgeWatcher:
    def __init__(
        self,
        rpc_url: str,
        usdc_address: str,
        bridge_address: str,
        credit_deposit: CreditDeposit,
        *,
        from_block: int = 0,
        interval: float = 0.5,
        w3: Any = None,
    ) -> None:
        """``credit_deposit`` is ``HyperliquidSimulator.credit_deposit`` (idempotent per tx_ref);
        ``w3`` replaces the web3 client built from ``rpc_url`` (tests)."""
        self.w3 = w3 if w3 is not None else Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
        self.usdc_address = to_checksum_address(usdc_address)
        self.bridge_address = to_checksum_address(bridge_address)
        self.credit_deposit = credit_deposit
        self.next_block = from_block
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> list[Deposit]:
        """Credit the transfers to the bridge in blocks ``next_block..latest``; returns them."""
        latest = int(self.w3.eth.block_number)
        if latest < self.next_block:
            return []
        logs = self.w3.eth.get_logs(
            {
                "fromBlock": self.next_block,
                "toBlock": latest,
                "address": self.usdc_address,
                "topics": [TRANSFER_TOPIC, None, _topic_address(self.bridge_address)],
            }
        )
        deposits = [
            d for d in (parse_transfer(entry, self.bridge_address) for entry in logs) if d is not None
        ]
        for deposit in deposits:
            credited = self.credit_deposit(deposit.sender, deposit.amount_usdc, deposit.tx_ref)
            log.info(
                "bridge deposit %s from %s of %s USDC: %s",
                deposit.tx_ref,
                deposit.sender,
                deposit.amount_usdc,
                "credited" if credited else "not credited",
            )
        self.next_block = latest + 1
        return deposits

    def start(self) -> BridgeWatcher:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hyperliquid-bridge-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # the chain may be restarting; try again next tick
                log.exception("bridge watcher poll failed")
            self._stop.wait(self.interval)
