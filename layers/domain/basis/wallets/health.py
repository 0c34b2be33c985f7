"""The startup check of the server wallets (seed 5.4): users who signed in but lack a wallet."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from basis.platform.observability import METRICS_NAMESPACE, logger
from basis.wallets.store import IncompleteWallets, users_with_incomplete_wallets


def incomplete_wallets() -> list[IncompleteWallets]:
    """The users lacking a server wallet, logged and counted (``IncompleteWallets``, for the alarm)."""
    found = list(users_with_incomplete_wallets())
    with single_metric(
        name="IncompleteWallets", unit=MetricUnit.Count, value=len(found), namespace=METRICS_NAMESPACE
    ) as metric:
        metric.add_metadata("check", "server-wallets")
    if found:
        logger.warning("users with incomplete server wallets", extra={"users": [u.user_id for u in found]})
    return found
