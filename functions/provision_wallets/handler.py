"""SQS consumer of WalletsRequested events: provisions each user's server wallets."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.platform.sqs_backoff import delay_redelivery
from basis.wallets import consumer as wallet_requests

bootstrap()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    try:
        wallet_requests.handle(record.json_body)
    except Exception:
        delay_redelivery(record)  # Privy outage: retry in 5 s, 10 s, 20 s ... up to 5 min
        raise


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
