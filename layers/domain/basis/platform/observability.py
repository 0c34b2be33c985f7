"""One logger and one metrics object for the whole domain package (Powertools, JSON logs, EMF)."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="basis")
metrics = Metrics(namespace="Basis", service="basis")
