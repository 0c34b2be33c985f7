"""EventBridge schedule entry point: fan out one scan message per enabled user."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis import scan_dispatch
from basis.config import load
from basis.observability import logger
from basis.runtime import bootstrap

bootstrap()
settings = load(scan_dispatch.ScanSettings)


@logger.inject_lambda_context(clear_state=True)
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, int]:
    return scan_dispatch.dispatch(event.time, settings.scan_queue_url)
