"""SQS consumer of the monitor fan-out: judges each watched user's open positions for an exit."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.monitor import consumer
from basis.monitor.settings import MonitorSettings
from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.positions.settings import PositionSettings

bootstrap(MonitorSettings, PositionSettings)  # exits start the hedge close saga


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consumer.handle_batch(event, context)
