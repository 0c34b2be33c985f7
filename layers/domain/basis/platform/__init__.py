"""Cross-cutting runtime: configuration, AWS clients, secrets and parameters, observability,
cold-start bootstrap, leases, heartbeats, domain events and SQS backoff."""
