"""EventBridge schedule entry point: fan out one scan message per enabled user."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.scheduling import scan_dispatch
from basis.scheduling.settings import SchedulingSettings, get_scheduling_settings

bootstrap(SchedulingSettings)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, int]:
    return scan_dispatch.dispatch(event.time, get_scheduling_settings().scan_queue_url)
