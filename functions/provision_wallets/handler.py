"""SQS consumer of WalletsRequested events: provisions each user's server wallets."""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.wallets import consumer as wallet_requests

bootstrap()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return wallet_requests.handle_batch(event, context)
