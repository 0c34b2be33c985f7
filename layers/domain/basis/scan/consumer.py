"""The scan queue's consumer: one message per user and slot, queued by ``basis.scheduling.scan_dispatch``
with the slot's market (``basis.scan.market``), handled as every per-user slot message is
(``basis.scheduling.slots``: malformed, stale, the user's turn, a bug's ``failed:error``), the
evaluation being ``basis.scan.worker``'s.

The kill switch is read once per batch (and again before any entry). The batch's outcomes are added
to the scan's heartbeat once per slot, and emitted as the ``ScanEvaluations`` metric.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from basis.scan import worker
from basis.scan.market import MarketSnapshot
from basis.scan.outcomes import JOB, METRIC
from basis.scan.settings import get_scan_settings
from basis.scheduling.slots import SlotBatch, SlotRequest, Tally

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext


class ScanRequest(SlotRequest):
    market: dict[str, Any]  # a scan decides on the slot's market: required


class ScanBatch(SlotBatch[MarketSnapshot]):
    """One invocation's messages: the kill switch as the batch began, and the outcomes so far."""

    job = JOB

    def __init__(self, ports: worker.Ports) -> None:
        super().__init__(Tally(JOB, METRIC))
        self.ports = ports
        self.kill_switch_on = ports.kill_switch_engaged()

    def parse(self, body: Any) -> ScanRequest:
        return ScanRequest.model_validate(body)

    def market(self, request: SlotRequest) -> MarketSnapshot:
        return MarketSnapshot.from_message(request.market)  # type: ignore[arg-type]  # ScanRequest

    def max_age(self) -> timedelta:
        return timedelta(seconds=get_scan_settings().scan_slot_max_age_seconds)

    def turn(self, user_id: str, slot: str) -> AbstractContextManager[str | None]:
        return self.ports.turn(user_id, slot)

    def evaluate(self, request: SlotRequest, market: MarketSnapshot, now: datetime) -> str:
        return worker.evaluate(
            request.user_id, request.slot, market, now, self.ports, kill_switch_on=self.kill_switch_on
        )


def handle_batch(
    event: dict[str, Any], context: LambdaContext | None = None, *, ports: worker.Ports | None = None
) -> PartialItemFailureResponse:
    return ScanBatch(ports or worker.Ports()).process(event, context)
