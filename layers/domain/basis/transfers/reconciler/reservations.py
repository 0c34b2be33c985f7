"""Cap reservations that ran past their lease or were left unresolved (issue 11, item 3): they count
as spent until resolved, and are resolved from the transfer they were made for.

The reservations are found across users through the spend windows' sparse ``by_unsettled`` index
(``caps.unsettled``, never a scan). One made under an idempotency key (``caps.key_of``) belongs to
the transfer of that id: a deposit's (made by its ``validate`` step, committed by its send) or a
withdrawal's (its withdraw3 signature, signed under the transfer id). Once ``STUCK_AFTER`` old
(its signer may still settle it before), ``settlement`` decides from the transfer: on chain →
commit (once); nothing moved → release; a stored transaction (or withdraw3) with no hash → nothing
here (the send-outcome and withdrawal passes judge it from the chain first). A reservation of no
known transfer keeps counting and stays listed on the health route (``UnresolvedReservations``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from basis.signing import caps
from basis.transfers import store
from basis.transfers.reconciler.runs import STUCK_AFTER, stale
from basis.transfers.store import TransferRecord

# A deposit fails only while no USDC left the wallet, a withdrawal only while nothing left Hyperliquid.
NOTHING_MOVED = ("failed", "rejected")


def settlement(transfer: TransferRecord | None, now: datetime) -> Literal["commit", "release"] | None:
    """What a transfer's lapsed or unresolved reservation becomes; None: not decided here."""
    if transfer is None or transfer.kind not in store.SAGA_KINDS:
        return None
    if transfer.stage in NOTHING_MOVED:
        return "release"
    if transfer.tx_hash:
        return "commit"
    if transfer.prepared:
        return None  # the chain decides (the send-outcome and withdrawal passes record or fail it)
    return "release" if stale(transfer, now) else None  # a send always stores its transaction first


def pending(now: datetime) -> list[caps.Unsettled]:
    """Lapsed or unresolved reservations older than ``STUCK_AFTER``."""
    return [u for u in caps.unsettled(now.timestamp()) if u.since <= (now - STUCK_AFTER).timestamp()]


def resolve(reservation: caps.Unsettled, now: datetime) -> str:
    transfer_id = caps.key_of(reservation.reservation)
    transfer = store.get(reservation.user_id, transfer_id) if transfer_id else None
    action = settlement(transfer, now) if reservation.asset == "USDC" else None
    if action == "commit":
        caps.commit(reservation.user_id, reservation.asset, reservation.reservation, reservation.amount)
        return "committed"
    if action == "release":
        caps.release(reservation.user_id, reservation.asset, reservation.reservation)
        return "released"
    return "left"
