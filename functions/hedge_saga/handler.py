"""Step Functions task entry point for the steps of both hedge sagas (open and close)."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.policies.settings import PolicySettings
from basis.positions import hedge_saga
from basis.positions.saga import StepInput
from basis.positions.settings import PositionSettings
from basis.signing.settings import SigningSettings

bootstrap(PolicySettings, SigningSettings, PositionSettings)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
@event_parser(model=StepInput)
def handler(event: StepInput, context: LambdaContext) -> dict[str, object]:
    return hedge_saga.run_step(event)
