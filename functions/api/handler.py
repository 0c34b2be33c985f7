"""API Gateway entry point: the REST API under /api/v1."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.api.app import create_app
from basis.identity.settings import IdentitySettings, get_identity_settings
from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.policies.settings import PolicySettings
from basis.positions.settings import PositionSettings
from basis.signing.settings import SigningSettings
from basis.transfers.settings import FundingSettings

bootstrap(
    IdentitySettings, PolicySettings, SigningSettings, FundingSettings, PositionSettings
)  # transfers out sign
app = create_app(get_identity_settings().cors_allowed_origins)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
