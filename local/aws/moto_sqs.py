"""moto's SQS queue counts, read once per pass instead of once per message.

moto (5.x) answers "is this message visible / delayed?" by reading the clock (``unix_time_millis``,
a datetime subtraction) for every message, and every SendMessage computes the queue's attributes,
the three approximate counts among them (it only wants ``ContentBasedDeduplication``). A send into
a queue holding n messages therefore reads the clock 3n times, so filling a queue is quadratic:
10,000 messages read it about 150 million times (profiled: 81% of the time in ``unix_time``;
the queue's locking, message retention and the poller cost nothing comparable). That made the
scan bench's 10,000-user fan-out take 972 s; with these replacements the same 10,000 messages
fill an in-process moto queue in 17 s. Each receive also computed every attribute three times per
message returned, to read the retention period. SQS itself has none of these costs.

The replacements keep moto's definitions exactly (visible: now > visible_at; delayed: now <
delayed_until; a receipt handle is any the message ever had; retention from the queue's period)
with one clock read per pass, a delete that scans the queue once instead of twice, and a receive
that reads the retention period directly.
"""

from __future__ import annotations

from typing import Any

from moto.sqs import models
from moto.sqs.exceptions import ReceiptHandleIsInvalid


def _now() -> float:
    return float(models.unix_time_millis())


def _messages(self: Any) -> list[Any]:
    now = _now()
    return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]


def _approximate_number_of_messages(self: Any) -> int:
    return len(_messages(self))


def _approximate_number_of_messages_not_visible(self: Any) -> int:
    now = _now()
    return sum(1 for m in self._messages if not now > m.visible_at)


def _approximate_number_of_messages_delayed(self: Any) -> int:
    now = _now()
    return sum(1 for m in self._messages if now < m.delayed_until)


def _had(message: Any, receipt_handle: str) -> bool:
    return bool(message.receipt_handle == receipt_handle or receipt_handle in message._old_receipt_handles)


def _delete_message(self: Any, receipt_handle: str) -> None:
    if receipt_handle in self.deleted_messages:
        return  # already deleted: moto (and SQS) accept a second delete
    kept, found = [], False
    for message in self._messages:
        if _had(message, receipt_handle):
            found = True
            self.pending_messages.discard(message)
            self.deleted_messages.update(message.all_receipt_handles)
        else:
            kept.append(message)
    if not found:
        raise ReceiptHandleIsInvalid()
    self._messages = kept


def _within_retention(self: Any, queue_name: str, message: Any) -> bool:
    """moto reads the retention period through GetQueueAttributes, which computes every attribute
    (the counts three times over) for each message a receive returns."""
    retention = int(self.get_queue(queue_name).message_retention_period)
    return bool(retention + message.sent_timestamp / 1000 > models.unix_time())


def install() -> None:
    """Idempotent; the local AWS endpoint installs it before serving (``create_aws_app``)."""
    queue: Any = models.Queue
    queue.messages = property(_messages)
    queue.approximate_number_of_messages = property(_approximate_number_of_messages)
    queue.approximate_number_of_messages_not_visible = property(_approximate_number_of_messages_not_visible)
    queue.approximate_number_of_messages_delayed = property(_approximate_number_of_messages_delayed)
    queue.delete_message = _delete_message
    backend: Any = models.SQSBackend
    backend.is_message_valid_based_on_retention_period = _within_retention
