"""The gas funder worker (seed 5.2b): one SQS message per user with an EVM server wallet (queued
by ``basis.scheduling.gas.dispatch``), each topped up by ``GasFunder.fund_if_needed``.

* one user's error fails only that message (a partial batch failure: SQS delivers it again, then
  the DLQ and its alarm); the others of the batch go on;
* a low funder (``FunderLowError``) stops the run: it is logged, counted in the ``GasFunderLow``
  metric (its alarm pages an operator), and the batch's remaining messages are dropped unsent (the
  next tick queues every user again, so nothing waits on a funder that cannot pay).
The funder's key is read from the deployment's secret (``gas_funder_private_key``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, Field

from basis.platform.observability import METRICS_NAMESPACE, logger
from basis.venues.arbitrum.gas import FunderLowError, GasFunder
from basis.venues.arbitrum.settings import get_gas_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class GasCheck(BaseModel):
    user_id: str = Field(min_length=1, max_length=256)
    address: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")


class GasRun:
    """One invocation's batch: the funder, and whether it ran low."""

    def __init__(self, funder: GasFunder) -> None:
        self.funder = funder
        self.low: str | None = None

    def handle_record(self, record: SQSRecord) -> str:
        check = GasCheck.model_validate(record.json_body)
        if self.low is not None:
            return "funder_low"
        try:
            result = self.funder.fund_if_needed(check.user_id, check.address)
        except FunderLowError as exc:
            self.low = str(exc)
            funder_low(self.funder, self.low)
            return "funder_low"
        except Exception:  # this user's message only: delivered again, then the DLQ
            logger.exception("gas top-up failed", extra={"user_id": check.user_id, "address": check.address})
            raise
        return result.status


def funder_low(funder: GasFunder, detail: str) -> None:
    logger.error(
        "gas funder is low: run stopped, fund it", extra={"funder": funder.funder_address, "detail": detail}
    )
    with single_metric(
        name="GasFunderLow", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE
    ) as metric:
        metric.add_metadata("funder", funder.funder_address)


def new_funder() -> GasFunder:
    settings = get_gas_settings()
    return GasFunder.from_config(
        threshold_eth=settings.gas_threshold_eth,
        top_up_to_eth=settings.gas_top_up_to_eth,
        funder_reserve_eth=settings.gas_funder_reserve_eth,
    )


def handle_batch(event: dict[str, Any], context: LambdaContext | None = None) -> PartialItemFailureResponse:
    run = GasRun(new_funder())
    return process_partial_response(
        event=event, record_handler=run.handle_record, processor=_processor, context=context
    )
