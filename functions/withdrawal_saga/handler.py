"""Step Functions task entry point for the withdrawal saga's steps."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.policies.settings import PolicySettings
from basis.signing.settings import SigningSettings
from basis.transfers import withdrawal_saga
from basis.transfers.settings import FundingSettings

bootstrap(PolicySettings, SigningSettings, FundingSettings)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses carry user data
@event_parser(model=withdrawal_saga.StepInput)
def handler(event: withdrawal_saga.StepInput, context: LambdaContext) -> dict[str, object]:
    return withdrawal_saga.run_step(event)
