"""API Gateway entry point: the REST API under /api/v1."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.api.app import create_app
from basis.platform.observability import logger
from basis.platform.runtime import bootstrap

bootstrap()
app = create_app()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
