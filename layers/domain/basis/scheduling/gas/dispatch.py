"""The scheduled gas fan-out (seed 5.2b): one SQS message per user with an EVM server wallet, read
from the sparse ``by_wallet_state`` index; the gas funder worker tops each wallet up if it is low.
The same tick runs the startup check of seed 5.4 (users with incomplete wallets, counted in a metric).
"""

from __future__ import annotations

from datetime import datetime

from basis.platform import heartbeat
from basis.platform.observability import logger
from basis.scheduling.fanout import enqueue
from basis.wallets.health import incomplete_wallets
from basis.wallets.store import users_with_evm_wallets


def dispatch(fired_at: datetime, queue_url: str) -> dict[str, int]:
    slot = fired_at.strftime("%Y-%m-%dT%H:%MZ")
    bodies = (
        {"user_id": holder.user_id, "address": holder.wallets.evm_address, "slot": slot}
        for holder in users_with_evm_wallets()
    )
    sent, failed = enqueue(queue_url, bodies)
    incomplete = len(incomplete_wallets())
    heartbeat.record("gas", slot=slot, queued=sent, failed=failed, incomplete_wallets=incomplete)
    logger.info("gas fan-out", extra={"slot": slot, "queued": sent, "failed": failed})
    return {"queued": sent, "failed": failed, "incomplete_wallets": incomplete}
