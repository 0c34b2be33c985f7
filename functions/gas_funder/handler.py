"""SQS consumer of the gas fan-out: tops up each user's EVM server wallet when it runs low."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.signing.settings import SigningSettings
from basis.venues.arbitrum import gas_worker
from basis.venues.arbitrum.settings import GasSettings

bootstrap(GasSettings, SigningSettings)  # the funder's nonce turn lasts a signing request


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return gas_worker.handle_batch(event, context)
