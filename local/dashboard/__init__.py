"""``basis-local dashboard``: the CloudWatch dashboard's graphs of the product's own metrics
(``infra.metric_graphs``), drawn from the EMF lines in the local stack's logs."""
