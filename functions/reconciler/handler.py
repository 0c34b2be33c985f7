"""EventBridge schedule entry point: the reconciler (unknown send outcomes resolved from the chain,
stuck deposits and withdrawals, stale cap reservations, failed saga executions)."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from basis.platform.observability import logger, tracer
from basis.platform.runtime import bootstrap
from basis.policies.settings import PolicySettings
from basis.signing.settings import SigningSettings
from basis.transfers import reconciler
from basis.transfers.settings import FundingSettings

bootstrap(PolicySettings, SigningSettings, FundingSettings)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, int]:
    return reconciler.reconcile(event.time)
