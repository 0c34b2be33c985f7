"""API Gateway Lambda authorizer (REQUEST type)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.identity.authorizer import authorize
from basis.identity.settings import IdentitySettings, get_identity_settings
from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap

bootstrap(IdentitySettings)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize(event, get_identity_settings())
