"""Stand-ins for the AWS services the product uses: DynamoDB Local, moto (Step Functions, SQS,
EventBridge, Secrets Manager, SSM), the Lambda runtime, the API gateway, schedules and SQS event
source mappings."""
