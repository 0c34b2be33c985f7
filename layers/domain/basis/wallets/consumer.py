"""Handles WalletsRequested events (EventBridge events delivered through SQS, one per invocation).

A request that fails is reported in the partial batch response (not raised: a request kept for
later is no function error), so SQS delivers it again after the delay set on the message:
* another worker holds the user's provisioning lease: when that lease expires. The request is
  never acknowledged while the wallets may still be missing, so a worker that died holding the
  lease delays the wallets, it does not lose them;
* anything else (a Privy outage, a Privy ids parameter that lacks a policy or the key quorum):
  after the backoff (5 s ... 5 min), then the DLQ and its alarm.
The ids are read for each message (through the parameter cache), so a fixed parameter is used
within minutes. A malformed event or an unknown user is logged and dropped (retrying cannot help).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, Field, ValidationError

from basis.platform.observability import logger
from basis.platform.sqs_backoff import delay_redelivery, redeliver_in
from basis.privy.ids import load_privy_ids
from basis.wallets.provisioning import (
    ProvisioningError,
    ProvisioningInProgressError,
    ProvisioningService,
    UserNotFoundError,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Failures are reported, never raised: the event source deletes what succeeded, keeps the rest.
_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class WalletsRequested(BaseModel):
    user_id: str = Field(min_length=1, max_length=256)


def _service() -> ProvisioningService:
    from basis.wallets.creator import PrivyWalletCreator

    return ProvisioningService(PrivyWalletCreator(), load_privy_ids())


def handle_batch(event: dict[str, Any], context: LambdaContext | None = None) -> PartialItemFailureResponse:
    """The function's answer to an SQS batch: the ids of the records to deliver again."""
    return process_partial_response(
        event=event, record_handler=handle_record, processor=_processor, context=context
    )


def handle_record(record: SQSRecord) -> str:
    """One SQS record; raising reports it as a batch item failure, visible again after its delay."""
    try:
        return handle(record.json_body)
    except ProvisioningInProgressError as exc:
        logger.info(
            "provisioning in progress elsewhere: retried when its lease expires",
            extra={"user_id": exc.user_id, "retry_after": exc.retry_after},
        )
        redeliver_in(record, exc.retry_after)
        raise
    except Exception:
        delay = delay_redelivery(record)
        logger.exception(
            "wallets request failed: retried after the backoff",
            extra={"message_id": record.message_id, "retry_in": delay},
        )
        raise


def handle(event: dict[str, Any]) -> str:
    try:
        request = WalletsRequested.model_validate(event.get("detail"))
    except ValidationError as exc:
        logger.error("malformed WalletsRequested event dropped", extra={"errors": exc.errors()})
        return "dropped"
    try:
        _service().ensure_wallets_for_user(request.user_id)
    except UserNotFoundError:
        logger.error("wallets requested for an unknown user: dropped", extra={"user_id": request.user_id})
        return "dropped"
    except ProvisioningError as exc:
        if not exc.retriable:
            logger.error(
                "provisioning failed for good",
                extra={"user_id": request.user_id, "chain": exc.chain, "error": str(exc)},
            )
            return "failed"
        logger.warning(
            "provisioning failed, will retry",
            extra={"user_id": request.user_id, "chain": exc.chain, "error": str(exc)},
        )
        raise
    return "ready"
