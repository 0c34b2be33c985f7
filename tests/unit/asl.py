"""What the unit tests of the state machines share: the errors every saga Task retries (Lambda's own
and the domain's ``TransientError``), in the order the ASL lists them."""

TRANSIENT = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
    "Sandbox.Timedout",
    "TransientError",
]
