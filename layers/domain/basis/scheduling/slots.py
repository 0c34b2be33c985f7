"""The per-user messages of a scheduled fan-out (the scan, the position monitor), consumed the same way.

A dispatcher queues one message per user and slot (the schedule's firing time, ISO UTC), with what
the slot read once for everyone (the market). Its consumer handles each message as ``SlotBatch``:

* malformed: dropped (``failed:malformed``);
* a slot older than the job's maximum age (``skipped:stale_slot``): decided on old data, the next
  slot decides afresh;
* the user's turn (``user_turn``): another worker on the user (``skipped:lease_held``), or the slot
  already handled (``skipped:duplicate_slot``);
* the job's evaluation of the user; a bug's exception is ``failed:error``, with its traceback.

Each of those is acknowledged: one user's failure stops no one else in the batch (6.6), and a slot
is not retried (the next one, a minute later, evaluates the user afresh). Only a failure to take the
user's turn (DynamoDB refusing the writes) fails the message (a batch item failure): it is delivered
again after the queue's visibility timeout, and dropped as stale if too late by then.

Every outcome is one name, counted per slot on the job's heartbeat (``Tally``, next to what the
dispatcher queued) and emitted as a metric with an ``outcome`` dimension.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from pydantic import BaseModel, Field, ValidationError

from basis.platform import heartbeat, leases
from basis.platform.observability import METRICS_NAMESPACE, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Why a user's message decided nothing, and why it failed, whatever the job.
STALE_SLOT = "stale_slot"
LEASE_HELD = "lease_held"
DUPLICATE_SLOT = "duplicate_slot"
MALFORMED = "malformed"
ERROR = "error"
UNKNOWN_SLOT = "unknown"

T = TypeVar("T")


def skipped(reason: str) -> str:
    return f"skipped:{reason}"


def failed(reason: str) -> str:
    return f"failed:{reason}"


def slot_of(fired_at: datetime) -> str:
    """A schedule's firing time as the slot its messages carry."""
    return fired_at.strftime("%Y-%m-%dT%H:%M:%SZ")


class SlotRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=256)
    slot: str = Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")  # ``slot_of``: the firing time (UTC)
    market: dict[str, Any] | None = None  # what the dispatcher read once for the slot

    def slot_time(self) -> datetime:
        return datetime.fromisoformat(self.slot)


@contextmanager
def user_turn(
    job: str, user_id: str, slot: str, lease_seconds: int, slot_max_age_seconds: int
) -> Iterator[str | None]:
    """None while the caller has ``user_id``'s turn in ``job`` for ``slot``; else why not (a skip
    reason). The serverless stand-in for the seed's advisory lock (N11, G12): the lease
    ``<job>#<user>`` is one conditional write, so a second worker on the user skips; under it the
    slot is claimed once (``once#<job>#<user>#<slot>``), so a slot delivered again is dropped. A
    worker that dies holding the lease delays the user's next turn by at most ``lease_seconds``."""
    name = f"{job}#{user_id}"
    try:
        owner = leases.acquire(name, lease_seconds)
    except leases.LeaseHeldError:
        yield LEASE_HELD
        return
    try:
        # Kept past the age at which a delivery of the slot is dropped as stale anyway.
        first = leases.once(f"{name}#{slot}", 2 * slot_max_age_seconds)
        yield None if first else DUPLICATE_SLOT
    finally:
        leases.release(name, owner)


class Tally:
    """The outcomes of one batch by slot: added to ``job``'s heartbeat once per slot when the batch
    is done, and emitted as the ``metric`` with an ``outcome`` dimension."""

    def __init__(self, job: str, metric: str) -> None:
        self.job, self.metric = job, metric
        self.by_slot: dict[str, Counter[str]] = {}

    def add(self, slot: str, outcome: str, count: int = 1) -> None:
        self.by_slot.setdefault(slot, Counter())[outcome] += count

    def flush(self) -> None:
        """The metrics first (they cannot fail on DynamoDB), then the heartbeat, best effort: a
        failure to count is logged and loses the counts, never the evaluations (nothing is
        delivered again for it). Messages without a readable slot count in the metric only."""
        slots, self.by_slot = self.by_slot, {}
        for outcome, count in sum(slots.values(), Counter()).items():
            emit(self.metric, count, outcome=outcome)
        logger.info(f"{self.job} batch", extra={"outcomes": {s: dict(c) for s, c in slots.items()}})
        try:
            for slot, counts in slots.items():
                if slot != UNKNOWN_SLOT:
                    heartbeat.tally(self.job, slot, dict(counts))
        except Exception:
            logger.exception(f"{self.job} outcomes not counted on the heartbeat")


def emit(metric: str, count: int, **dimensions: str) -> None:
    with single_metric(name=metric, unit=MetricUnit.Count, value=count, namespace=METRICS_NAMESPACE) as m:
        for name, value in dimensions.items():
            m.add_dimension(name, value)


class SlotBatch(ABC, Generic[T]):
    """One invocation's messages of ``job``: each parsed, checked for age, evaluated in the user's
    turn, its outcome tallied. ``T`` is what the job makes of the slot's market."""

    job: str

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    @abstractmethod
    def market(self, request: SlotRequest) -> T:
        """The slot's market as the job needs it; ``ValueError``/``KeyError``/``TypeError``: malformed."""

    @abstractmethod
    def max_age(self) -> timedelta: ...

    @abstractmethod
    def turn(self, user_id: str, slot: str) -> AbstractContextManager[str | None]: ...

    @abstractmethod
    def evaluate(self, request: SlotRequest, market: T, now: datetime) -> str:
        """The user's outcome (the job's own exceptions are bugs: ``failed:error``)."""

    def parse(self, body: Mapping[str, Any]) -> SlotRequest:
        return SlotRequest.model_validate(body)

    def handle_record(self, record: SQSRecord) -> str:
        try:
            request = self.parse(record.json_body)
            slot_at, market = request.slot_time(), self.market(request)
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            logger.error(
                f"malformed {self.job} message dropped",
                extra={"message_id": record.message_id, "error": str(exc)},
            )
            self.tally.add(UNKNOWN_SLOT, failed(MALFORMED))
            return failed(MALFORMED)
        try:
            outcome = self._handle(request, slot_at, market)
        except Exception:
            self.tally.add(request.slot, failed(ERROR))
            logger.exception(
                f"{self.job} of a user failed", extra={"user_id": request.user_id, "slot": request.slot}
            )
            raise
        self.tally.add(request.slot, outcome)
        logger.info(
            f"{self.job} outcome",
            extra={"user_id": request.user_id, "slot": request.slot, "outcome": outcome},
        )
        return outcome

    def _handle(self, request: SlotRequest, slot_at: datetime, market: T) -> str:
        now = datetime.now(UTC)
        if now - slot_at > self.max_age():
            return skipped(STALE_SLOT)
        with self.turn(request.user_id, request.slot) as refused:
            if refused is not None:
                return skipped(refused)
            try:
                return self.evaluate(request, market, now)
            except Exception:
                logger.exception(
                    f"{self.job} evaluation failed", extra={"user_id": request.user_id, "slot": request.slot}
                )
                return failed(ERROR)

    def flush(self) -> None:
        """The batch is done: its counts to the heartbeat and the metrics."""
        self.tally.flush()

    def process(self, event: dict[str, Any], context: LambdaContext | None) -> PartialItemFailureResponse:
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        try:
            return process_partial_response(
                event=event, record_handler=self.handle_record, processor=processor, context=context
            )
        finally:
            self.flush()
