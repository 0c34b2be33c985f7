"""One logger and one tracer for the whole domain package (Powertools: JSON logs, X-Ray traces;
the tracer switches itself off outside Lambda), and the one CloudWatch namespace of the EMF
metrics the code emits (``single_metric``) and the dashboards and alarms read."""

from aws_lambda_powertools import Logger, Tracer

SERVICE = "basis"
METRICS_NAMESPACE = "Basis"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
