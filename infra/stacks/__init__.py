"""The CDK stacks: data (tables), service (API, functions, queues, schedules, state machines),
observability (dashboard, alarms)."""
