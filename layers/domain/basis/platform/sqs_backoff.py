"""Exponential backoff for SQS redelivery: before failing a message, push its next delivery out to
``base * 2**(receives-1)`` seconds (capped), instead of the queue's fixed visibility timeout; or to
a time the consumer knows (``redeliver_in``: when the lease another worker holds expires)."""

from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from basis.platform.aws import client
from basis.platform.observability import logger


@lru_cache(maxsize=16)
def _queue_url(queue_arn: str) -> str:
    _, _, _, _, account, name = queue_arn.split(":", 5)
    return str(client("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"])


def retry_delay(receives: int, base: int = 5, cap: int = 300) -> int:
    return int(min(cap, base * 2 ** max(0, receives - 1)))


def redeliver_in(record: SQSRecord, seconds: int) -> None:
    """Set the failed message's visibility: it is delivered again in ``seconds`` (never raises)."""
    try:
        client("sqs").change_message_visibility(
            QueueUrl=_queue_url(record.event_source_arn),
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=seconds,
        )
    except Exception:  # the queue's own visibility timeout still brings the message back
        logger.exception("could not set the retry delay", extra={"message_id": record.message_id})


def delay_redelivery(record: SQSRecord, base: int = 5, cap: int = 300) -> int:
    """Set the failed message's visibility to the backoff delay; returns the delay (never raises)."""
    receives = int(record.attributes.approximate_receive_count or 1)
    delay = retry_delay(receives, base, cap)
    redeliver_in(record, delay)
    return delay
