"""A USDC transfer from a user's server wallet, prepared and stored (with its nonce and the block it
was prepared at) before it was sent, judged from the chain when its send got no definitive answer
(issue 11, item 2): a deposit's Bridge2 transfer (``outcomes``) or a withdrawal's delivery to its
destination (``deliveries``). The transfer's own pass acts on the verdict.

``observe`` reads the wallet's nonces FIRST, then looks for the transaction: its recorded hash's
receipt, else the wallet's USDC transfers to the recipient since the stored block, of the amount,
with the stored nonce, claimed by no other transfer. ``decide``:

* found (and succeeded) → **sent**;
* the nonce used, and not by it (or by it, reverted) → **nonce_used**: it can never land, and no
  USDC moved;
* the nonce unused, nothing of the wallet pending, and the transfer quiet (unmoved for
  ``STUCK_AFTER``: nothing of a send can still be in flight) → **not_sent** (never broadcast, or
  dropped by the chain): its saga may resend the very same transaction;
* otherwise (pending, too early, stored without the block to search from) → **wait**.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from basis.venues.arbitrum.client import ArbitrumClient

MAX_REDRIVES = 3  # a transaction never sent is resent this many times, then given up


@dataclass(frozen=True)
class StoredSend:
    """What the chain is asked about a stored USDC transfer."""

    nonce: int
    from_block: int | None  # where its search starts (None: stored without it, it cannot be searched)
    to: str
    units: int
    tx_hash: str | None  # the hash recorded for it, when one was
    claimed: frozenset[str]  # hashes other transfers recorded: never this one's


@dataclass(frozen=True)
class ChainView:
    """What the chain says about a stored transaction."""

    nonce: int  # the stored transaction's
    mined: int  # the wallet's next nonce counting mined transactions (every lower one is used)
    pending: int  # the same, pending transactions included
    found: str | None  # the hash of the stored transaction on chain, when mined and succeeded


@dataclass(frozen=True)
class Verdict:
    kind: Literal["sent", "nonce_used", "not_sent", "wait"]
    tx_hash: str | None = None


def decide(view: ChainView | None, *, quiet: bool) -> Verdict:
    """Whether the stored transaction was sent. ``view`` None: the chain cannot be searched for it;
    ``quiet``: the transfer has not moved for ``STUCK_AFTER`` (no send of it can still be in flight)."""
    if view is None:
        return Verdict("wait")
    if view.found is not None:
        return Verdict("sent", view.found)
    if view.mined > view.nonce:
        return Verdict("nonce_used")
    if view.pending > view.nonce or not quiet:
        return Verdict("wait")
    return Verdict("not_sent")


def observe(send: StoredSend, client: ArbitrumClient) -> ChainView | None:
    mined, pending = client.mined_nonce(), client.pending_nonce()  # before the search: it sees them
    found = _found(send, client, mined)
    if found is None and send.from_block is None:
        return None
    return ChainView(send.nonce, mined, pending, found)


def _found(send: StoredSend, client: ArbitrumClient, mined: int) -> str | None:
    if send.tx_hash is not None:
        receipt = client.receipt(send.tx_hash)
        if receipt is not None:
            return send.tx_hash if receipt.succeeded else None
    if send.from_block is None or mined <= send.nonce:
        return None
    for tx_hash, units in client.usdc_sent_to(send.to, from_block=send.from_block):
        if units == send.units and tx_hash not in send.claimed and client.nonce_of(tx_hash) == send.nonce:
            return tx_hash
    return None


def judge(send: StoredSend, client: ArbitrumClient, *, quiet: bool) -> Verdict:
    return decide(observe(send, client), quiet=quiet)
