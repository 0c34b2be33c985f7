"""An SQS queue with its dead-letter queue: encrypted, TLS-only, redrive after N receives."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.catalog import Queue
from infra.nag import acknowledge


class QueueWithDlq(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, queue: Queue, prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.dlq = sqs.Queue(
            self,
            "Dlq",
            queue_name=f"{prefix}{queue.name}-dlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            self.dlq,
            "This is the dead-letter queue itself; a DLQ of a DLQ would hide nothing.",
            "AwsSolutions-SQS3",
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=f"{prefix}{queue.name}",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=cdk.Duration.seconds(queue.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dlq, max_receive_count=queue.max_receive_count),
        )
