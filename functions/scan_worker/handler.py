"""SQS consumer of the scan fan-out: evaluates each user's strategy for an entry."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.policies.settings import PolicySettings
from basis.positions.settings import PositionSettings
from basis.scan import consumer
from basis.scan.hedges import ServicePositions
from basis.scan.settings import ScanSettings
from basis.scan.worker import Ports

# Live balances read the wallets' venues (policy addresses); entries start the hedge open saga.
bootstrap(ScanSettings, PolicySettings, PositionSettings)

PORTS = Ports(positions=ServicePositions())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consumer.handle_batch(event, context, ports=PORTS)
