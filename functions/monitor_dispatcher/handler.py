"""EventBridge schedule entry point: fan out one monitor message per user with positions to watch."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.scheduling.monitor import dispatch
from basis.scheduling.monitor.settings import MonitorDispatchSettings, get_monitor_dispatch_settings

bootstrap(MonitorDispatchSettings)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, int]:
    return dispatch.dispatch(event.time, get_monitor_dispatch_settings().monitor_queue_url)
