"""The monitor queue's consumer: one message per watched user and slot, queued by
``basis.scheduling.monitor.dispatch`` with the slot's market (None when it could not be read: the
carry is then not judged, everything else is), handled as every per-user slot message is
(``basis.scheduling.slots``: malformed, stale, the user's turn, a bug's ``failed:error``), the
evaluation being ``basis.monitor.worker``'s.

The kill switch is read once per batch (and again before any exit). The batch's outcomes and the
exits it started (by reason) are added to the monitor's heartbeat once per slot, and emitted as the
``MonitorEvaluations`` and ``MonitorExits`` metrics.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from basis.monitor import JOB, worker
from basis.monitor.outcomes import EXITS_METRIC, METRIC, exit_key
from basis.monitor.settings import get_monitor_settings
from basis.scan.market import MarketSnapshot
from basis.scheduling.slots import SlotBatch, SlotRequest, Tally

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext


class MonitorBatch(SlotBatch[MarketSnapshot | None]):
    job = JOB

    def __init__(self, ports: worker.Ports) -> None:
        super().__init__(Tally(JOB, METRIC))
        self.exits = Tally(JOB, EXITS_METRIC)
        self.ports = ports
        self.kill_switch_on = ports.kill_switch_engaged()

    def market(self, request: SlotRequest) -> MarketSnapshot | None:
        return None if request.market is None else MarketSnapshot.from_message(request.market)

    def max_age(self) -> timedelta:
        return timedelta(seconds=get_monitor_settings().monitor_slot_max_age_seconds)

    def turn(self, user_id: str, slot: str) -> AbstractContextManager[str | None]:
        return self.ports.turn(user_id, slot)

    def evaluate(self, request: SlotRequest, market: MarketSnapshot | None, now: datetime) -> str:
        turn = worker.evaluate(request.user_id, market, now, self.ports, kill_switch_on=self.kill_switch_on)
        for reason in turn.exits:
            self.exits.add(request.slot, exit_key(reason))
        return turn.outcome

    def flush(self) -> None:
        super().flush()
        self.exits.flush()


def handle_batch(
    event: dict[str, Any], context: LambdaContext | None = None, *, ports: worker.Ports | None = None
) -> PartialItemFailureResponse:
    return MonitorBatch(ports or worker.Ports()).process(event, context)
