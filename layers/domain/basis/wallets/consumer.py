"""Handles one WalletsRequested event (an EventBridge event delivered through SQS).

Raising makes the message fail (partial batch response) so SQS redelivers it: that is how a Privy
outage, or a Privy ids parameter that lacks a policy or the key quorum, is retried. The ids are read
for each message (through the parameter cache), so a fixed parameter is used within minutes. A
malformed event or an unknown user is logged and dropped (retrying cannot help).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from basis.platform.observability import logger
from basis.privy.ids import load_privy_ids
from basis.wallets.provisioning import ProvisioningError, ProvisioningService, UserNotFoundError


class WalletsRequested(BaseModel):
    user_id: str = Field(min_length=1, max_length=256)


def _service() -> ProvisioningService:
    from basis.wallets.creator import PrivyWalletCreator

    return ProvisioningService(PrivyWalletCreator(), load_privy_ids())


def handle(event: dict[str, Any]) -> str:
    try:
        request = WalletsRequested.model_validate(event.get("detail"))
    except ValidationError as exc:
        logger.error("malformed WalletsRequested event dropped", extra={"errors": exc.errors()})
        return "dropped"
    try:
        result = _service().ensure_wallets_for_user(request.user_id)
    except UserNotFoundError:
        logger.error("wallets requested for an unknown user: dropped", extra={"user_id": request.user_id})
        return "dropped"
    except ProvisioningError as exc:
        if not exc.retriable:
            logger.error(
                "provisioning failed for good",
                extra={"user_id": request.user_id, "chain": exc.chain, "error": str(exc)},
            )
            return "failed"
        logger.warning(
            "provisioning failed, will retry",
            extra={"user_id": request.user_id, "chain": exc.chain, "error": str(exc)},
        )
        raise
    return result.status
