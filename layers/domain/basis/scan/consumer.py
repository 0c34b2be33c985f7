"""The scan queue's consumer: one message per user and slot, queued by ``basis.scheduling.scan_dispatch``
with the slot's market (``basis.scan.market``). Per message:

* malformed: dropped (``failed:malformed``);
* a slot older than ``BASIS_SCAN_SLOT_MAX_AGE_SECONDS`` (``skipped:stale_slot``): its market is old,
  the next slot decides on a fresh one;
* the user's turn (``basis.scan.turns``): another worker on the user (``skipped:lease_held``), or the
  slot already evaluated (``skipped:duplicate_slot``);
* the evaluation (``basis.scan.worker``); a bug's exception is ``failed:error``, with its traceback.

Each of those is acknowledged: one user's failure stops no one else in the batch (6.6), and a scan is
not retried (the next slot, a minute later, evaluates the user afresh). Only a failure to take the
user's turn (DynamoDB refusing the writes) fails the message (a batch item failure): it is delivered
again after the queue's visibility timeout, and dropped as stale if too late by then.

The kill switch is read once per batch (and again before any entry). The batch's outcomes are added
to the scan's heartbeat once per slot, and emitted as metrics (``basis.scan.outcomes.Tally``); a
failure to count them is logged and changes nothing else.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, Field, ValidationError

from basis.platform.observability import logger
from basis.scan import worker
from basis.scan.market import MarketSnapshot
from basis.scan.outcomes import ERROR, MALFORMED, STALE_SLOT, Tally, failed, skipped
from basis.scan.settings import get_scan_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class ScanRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=256)
    slot: str = Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")  # the schedule's firing time (UTC)
    market: dict[str, Any]

    def slot_time(self) -> datetime:
        return datetime.fromisoformat(self.slot)


class ScanBatch:
    """One invocation's messages: the kill switch as the batch began, and the outcomes so far."""

    def __init__(self, ports: worker.Ports) -> None:
        self.ports = ports
        self.kill_switch_on = ports.kill_switch_engaged()
        self.tally = Tally()

    def handle_record(self, record: SQSRecord) -> str:
        try:
            request = ScanRequest.model_validate(record.json_body)
            slot_at, market = request.slot_time(), MarketSnapshot.from_message(request.market)
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            logger.error(
                "malformed scan message dropped", extra={"message_id": record.message_id, "error": str(exc)}
            )
            self.tally.add(None, failed(MALFORMED))
            return failed(MALFORMED)
        try:
            outcome = self._scan(request, slot_at, market)
        except Exception:
            self.tally.add(request.slot, failed(ERROR))
            logger.exception(
                "scan of a user failed", extra={"user_id": request.user_id, "slot": request.slot}
            )
            raise
        self.tally.add(request.slot, outcome)
        logger.info(
            "scan outcome", extra={"user_id": request.user_id, "slot": request.slot, "outcome": outcome}
        )
        return outcome

    def _scan(self, request: ScanRequest, slot_at: datetime, market: MarketSnapshot) -> str:
        now = datetime.now(UTC)
        if now - slot_at > timedelta(seconds=get_scan_settings().scan_slot_max_age_seconds):
            return skipped(STALE_SLOT)
        with self.ports.turn(request.user_id, request.slot) as refused:
            if refused is not None:
                return skipped(refused)
            try:
                return worker.evaluate(
                    request.user_id, request.slot, market, now, self.ports, kill_switch_on=self.kill_switch_on
                )
            except Exception:
                logger.exception(
                    "scan evaluation failed", extra={"user_id": request.user_id, "slot": request.slot}
                )
                return failed(ERROR)


def handle_batch(
    event: dict[str, Any], context: LambdaContext | None = None, *, ports: worker.Ports | None = None
) -> PartialItemFailureResponse:
    batch = ScanBatch(ports or worker.Ports())
    answer = process_partial_response(
        event=event, record_handler=batch.handle_record, processor=_processor, context=context
    )
    try:
        batch.tally.flush()
    except Exception:  # the counts are lost, not the evaluations: nothing is delivered again for them
        logger.exception("scan outcomes not counted on the heartbeat")
    return answer
