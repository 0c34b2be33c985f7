"""Step Functions task entry point for the deposit saga's steps."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis import deposit_saga
from basis.config import load
from basis.observability import logger
from basis.runtime import bootstrap

bootstrap()
settings = load(deposit_saga.SagaSettings)


@logger.inject_lambda_context(clear_state=True)
@event_parser(model=deposit_saga.StepInput)
def handler(event: deposit_saga.StepInput, context: LambdaContext) -> dict[str, object]:
    return deposit_saga.run_step(event, settings)
