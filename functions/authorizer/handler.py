"""API Gateway Lambda authorizer (REQUEST type)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.identity.authorizer import AuthorizerSettings, authorize
from basis.platform.config import load
from basis.platform.observability import logger
from basis.platform.runtime import bootstrap

bootstrap()
settings = load(AuthorizerSettings)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize(event, settings)
