"""BridgeWatcher's log parsing and polling, against a fake web3 that serves recorded Transfer logs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hexbytes import HexBytes

from local.hyperliquid import HyperliquidState
from local.hyperliquid.bridge_watcher import TRANSFER_TOPIC, BridgeWatcher, parse_transfer

USDC = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
BRIDGE = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def _topic(address: str) -> HexBytes:
    return HexBytes("0x" + "0" * 24 + address[2:].lower())


def transfer_log(
    sender: str, to: str, micro_usdc: int, block: int, tx: int, index: int = 0
) -> dict[str, Any]:
    """A log as web3 7 returns it (AttributeDict-like mapping with HexBytes fields)."""
    return {
        "address": USDC,
        "topics": [HexBytes(TRANSFER_TOPIC), _topic(sender), _topic(to)],
        "data": HexBytes(micro_usdc.to_bytes(32, "big")),
        "blockNumber": block,
        "transactionHash": HexBytes(tx.to_bytes(32, "big")),
        "logIndex": index,
    }


class FakeEth:
    def __init__(self) -> None:
        self.block_number = 0
        self.logs: list[dict[str, Any]] = []
        self.filters: list[dict[str, Any]] = []

    def get_logs(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.filters.append(params)
        # like a node: the block range is honoured; the topic filter is deliberately ignored here so
        # that parse_transfer's own checks are exercised
        return [e for e in self.logs if params["fromBlock"] <= e["blockNumber"] <= params["toBlock"]]


class FakeWeb3:
    def __init__(self) -> None:
        self.eth = FakeEth()


def test_parse_transfer_to_bridge() -> None:
    deposit = parse_transfer(transfer_log(ALICE, BRIDGE, 25_500_000, 7, 0xABC, 3), BRIDGE.lower())
    assert deposit is not None
    assert deposit.sender == ALICE and deposit.amount_usdc == Decimal("25.5") and deposit.block == 7
    assert deposit.tx_ref == "0x" + "0" * 61 + "abc:3"


def test_parse_ignores_other_transfers_and_events() -> None:
    assert parse_transfer(transfer_log(ALICE, BOB, 10_000_000, 1, 1), BRIDGE) is None
    approval = transfer_log(ALICE, BRIDGE, 1, 1, 1)
    approval["topics"][0] = HexBytes("0x" + "11" * 32)
    assert parse_transfer(approval, BRIDGE) is None


def test_poll_credits_new_deposits_once_and_skips_small_ones() -> None:
    w3 = FakeWeb3()
    state = HyperliquidState()
    watcher = BridgeWatcher("http://unused", USDC, BRIDGE, state.credit_deposit, w3=w3)
    w3.eth.logs = [
        transfer_log(ALICE, BRIDGE, 100_000_000, 1, 1),
        transfer_log(BOB, BRIDGE, 4_999_999, 1, 2),  # under 5 USDC: lost, as on the real bridge
        transfer_log(ALICE, BOB, 50_000_000, 2, 3),  # not a deposit
    ]
    w3.eth.block_number = 2
    assert [d.sender for d in watcher.poll_once()] == [ALICE, BOB]
    assert state.accounts[ALICE.lower()].balance == Decimal(100)
    assert BOB.lower() not in state.accounts
    query = w3.eth.filters[0]
    assert (query["fromBlock"], query["toBlock"], query["address"]) == (0, 2, USDC)
    assert query["topics"] == [TRANSFER_TOPIC, None, "0x" + "0" * 24 + BRIDGE[2:].lower()]

    w3.eth.logs.append(transfer_log(ALICE, BRIDGE, 7_000_000, 3, 4))
    w3.eth.block_number = 3
    assert [d.amount_usdc for d in watcher.poll_once()] == [Decimal(7)]
    assert w3.eth.filters[-1]["fromBlock"] == 3
    assert state.accounts[ALICE.lower()].balance == Decimal(107)

    assert watcher.poll_once() == []  # no new block: nothing asked, nothing credited
    watcher.next_block = 0  # a restarted watcher re-reads old blocks: tx refs keep credits idempotent
    w3.eth.block_number = 4
    assert len(watcher.poll_once()) == 3
    assert state.accounts[ALICE.lower()].balance == Decimal(107)
