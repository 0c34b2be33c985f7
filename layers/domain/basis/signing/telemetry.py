"""One structured log line, one EMF metric and one ledger row per signing request (seed 4.1, 4.2).

The ledger (``signing_ledger``, 24 h TTL) is shared by every container and backs
``GET /api/v1/health/wallets``; the EMF metrics feed the CloudWatch dashboard and alarms.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pynamodb.exceptions import PutError

from basis.models import SigningRecord
from basis.platform.observability import METRICS_NAMESPACE, logger

RESULTS = ("success", "policy_denied", "error", "circuit_open", "cap_exceeded")
LEDGER_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class SigningEvent:
    user_id: str
    wallet_id: str
    wallet_address: str | None
    chain: str
    method: str
    action: str | None
    result: str
    duration_ms: float
    error: str | None = None


def bucket_of(at: datetime) -> str:
    return at.strftime("%Y%m%d%H")


def record(event: SigningEvent) -> None:
    if event.result not in RESULTS:
        raise ValueError(f"unknown signing result {event.result!r}")
    fields = asdict(event)
    if event.result == "success":
        logger.info("signing request", extra=fields)
    elif event.result in ("policy_denied", "cap_exceeded"):
        logger.warning("signing request refused", extra=fields)
    else:
        logger.error("signing request failed", extra=fields)
    with single_metric(
        name="SigningRequests",
        unit=MetricUnit.Count,
        value=1,
        namespace=METRICS_NAMESPACE,
        default_dimensions={"result": event.result, "chain": event.chain},
    ) as metric:
        metric.add_metadata("method", event.method)
    now = datetime.now(UTC)
    try:
        SigningRecord(
            bucket_of(now),
            f"{now.isoformat()}#{uuid.uuid4().hex[:12]}",
            user_id=event.user_id,
            wallet_id=event.wallet_id,
            wallet_address=event.wallet_address,
            chain=event.chain,
            method=event.method,
            action=event.action,
            result=event.result,
            duration_ms=round(event.duration_ms, 1),
            error=(event.error or None) and event.error[:500],
            ttl=int(time.time()) + LEDGER_TTL_SECONDS,
        ).save()
    except PutError:  # telemetry must never fail a signature that already happened
        logger.exception("signing ledger write failed", extra={"user_id": event.user_id})
