"""moto's SQS queue counts, read once per pass instead of once per message.

moto (5.x) answers "is this message visible / delayed?" by reading the clock (``unix_time_millis``,
a datetime subtraction) for every message, and every SendMessage computes the queue's attributes,
the three approximate counts among them (it only wants ``ContentBasedDeduplication``). A send into
a queue holding n messages therefore reads the clock 3n times: filling a queue with 10,000 messages
read it 150 million times and took about 16 minutes (the scan bench's fan-out; profiled: 85% of
the time in ``unix_time``, nothing in locking, retention or the poller). SQS itself has no such
cost. These replacements keep moto's definitions exactly (visible: now > visible_at; delayed:
now < delayed_until; a receipt handle any the message ever had) with one clock read per pass, and
a delete that scans the queue once instead of twice.
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


def install() -> None:
    """Idempotent; the local AWS endpoint installs it before serving (``create_aws_app``)."""
    queue: Any = models.Queue
    queue.messages = property(_messages)
    queue.approximate_number_of_messages = property(_approximate_number_of_messages)
    queue.approximate_number_of_messages_not_visible = property(_approximate_number_of_messages_not_visible)
    queue.approximate_number_of_messages_delayed = property(_approximate_number_of_messages_delayed)
    queue.delete_message = _delete_message
