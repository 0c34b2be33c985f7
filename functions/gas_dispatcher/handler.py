"""EventBridge schedule entry point: queue one gas check per user with an EVM server wallet."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.scheduling.gas import dispatch as gas_dispatch
from basis.scheduling.gas.settings import GasDispatchSettings, get_gas_dispatch_settings

bootstrap(GasDispatchSettings)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, int]:
    return gas_dispatch.dispatch(event.time, get_gas_dispatch_settings().gas_queue_url)
