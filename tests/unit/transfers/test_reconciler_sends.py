"""A stored USDC transfer (a deposit's Bridge2 send, a withdrawal's delivery) judged from what the
chain says (``sends.judge``): its recorded hash's receipt, else the wallet's USDC transfers to the
recipient with the stored nonce, and the wallet's nonces."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import cast

import pytest

from basis.transfers.reconciler.sends import StoredSend, Verdict, judge
from basis.venues.arbitrum.client import ArbitrumClient, Receipt

NONCE = 7
SEND = StoredSend(NONCE, 100, "0xdest", 5_000_000, None, frozenset({"0xclaimed"}))


@dataclass
class Chain:
    """The wallet as the chain sees it: mined and pending nonces, USDC transfers to the recipient
    (hash, units, nonce) and receipts (hash: succeeded)."""

    mined: int = NONCE
    pending: int = NONCE
    transfers: list[tuple[str, int, int]] = field(default_factory=list)
    receipts: dict[str, bool] = field(default_factory=dict)

    def mined_nonce(self) -> int:
        return self.mined

    def pending_nonce(self) -> int:
        return self.pending

    def usdc_sent_to(self, recipient: str, *, from_block: int) -> list[tuple[str, int]]:
        assert (recipient, from_block) == (SEND.to, SEND.from_block)
        return [(tx_hash, units) for tx_hash, units, _ in self.transfers]

    def nonce_of(self, tx_hash: str) -> int:
        return next(nonce for h, _, nonce in self.transfers if h == tx_hash)

    def receipt(self, tx_hash: str) -> Receipt | None:
        succeeded = self.receipts.get(tx_hash)
        return None if succeeded is None else Receipt(tx_hash, succeeded, 1, 21_000, 1)


def judged(chain: Chain, send: StoredSend = SEND, *, quiet: bool = True) -> Verdict:
    return judge(send, cast(ArbitrumClient, chain), quiet=quiet)


MINED = NONCE + 1


@pytest.mark.parametrize(
    ("chain", "send", "verdict"),
    [
        # prepared, no hash: found by its nonce among the transfers of its amount, unclaimed
        (Chain(MINED, MINED, [("0xours", 5_000_000, NONCE)]), SEND, Verdict("sent", "0xours")),
        (Chain(MINED, MINED, [("0xother", 5_000_000, NONCE - 1)]), SEND, Verdict("nonce_used")),
        (Chain(MINED, MINED, [("0xclaimed", 5_000_000, NONCE)]), SEND, Verdict("nonce_used")),
        (Chain(MINED, MINED, [("0xless", 4_000_000, NONCE)]), SEND, Verdict("nonce_used")),
        (Chain(), SEND, Verdict("not_sent")),  # never broadcast
        (Chain(pending=MINED), SEND, Verdict("wait")),  # in flight
        # a recorded hash: its receipt decides
        (Chain(MINED, MINED, receipts={"0xh": True}), replace(SEND, tx_hash="0xh"), Verdict("sent", "0xh")),
        (Chain(MINED, MINED, receipts={"0xh": False}), replace(SEND, tx_hash="0xh"), Verdict("nonce_used")),
        # ... none: dropped by the chain (nothing pending) is not sent; its nonce taken, it never lands
        (Chain(), replace(SEND, tx_hash="0xh"), Verdict("not_sent")),
        (Chain(pending=MINED), replace(SEND, tx_hash="0xh"), Verdict("wait")),
        (Chain(MINED, MINED), replace(SEND, tx_hash="0xh"), Verdict("nonce_used")),
        # stored without the block to search from: only a receipt can tell
        (Chain(), replace(SEND, from_block=None), Verdict("wait")),
        (
            Chain(MINED, MINED, receipts={"0xh": True}),
            replace(SEND, from_block=None, tx_hash="0xh"),
            Verdict("sent", "0xh"),
        ),
    ],
)
def test_a_stored_send_is_judged_from_the_chain(chain: Chain, send: StoredSend, verdict: Verdict) -> None:
    assert judged(chain, send) == verdict


def test_a_send_not_found_is_not_judged_unsent_within_the_grace() -> None:
    assert judged(Chain(), quiet=False) == Verdict("wait")
    assert judged(Chain(), replace(SEND, tx_hash="0xh"), quiet=False) == Verdict("wait")
