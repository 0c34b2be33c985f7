"""One structured log line, one EMF metric and one ledger row per signing request (seed 4.1, 4.2).

The ledger (``signing_ledger``, 24 h TTL) is shared by every container and backs
``GET /api/v1/health/wallets``; the EMF metrics feed the CloudWatch dashboard and alarms.
"""

from __future__ import annotations

from dataclasses import asdict

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from basis.platform.observability import METRICS_NAMESPACE, logger
from basis.signing import ledger
from basis.signing.ledger import SigningEvent

RESULTS = ("success", "policy_denied", "error", "circuit_open", "cap_exceeded", "kill_switch")


def record(event: SigningEvent, *, row_written: bool = False) -> None:
    """Log ``event``, count it, and write its ledger row (unless ``row_written``: the signer wrote
    it with the request's spend commits)."""
    if event.result not in RESULTS:
        raise ValueError(f"unknown signing result {event.result!r}")
    fields = asdict(event)
    if event.result == "success":
        logger.info("signing request", extra=fields)
    elif event.result in ("policy_denied", "cap_exceeded", "kill_switch"):
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
    if row_written:
        return
    try:
        ledger.append(event)
    except ledger.LedgerWriteError:  # telemetry must never fail a signature that already happened
        logger.exception("signing ledger write failed", extra={"user_id": event.user_id})
