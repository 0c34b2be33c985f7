"""The REST API: ``/api/v1/{proxy+}`` to the API function behind the Lambda authorizer, except
the public paths of the catalog (health, OpenAPI document, Swagger UI)."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from basis.identity.settings import CORS_ALLOWED_HEADERS, CORS_MAX_AGE_SECONDS
from infra.catalog import API_PREFIX, GATEWAY_RESPONSES, PUBLIC_PATHS
from infra.constructs.logs import log_group
from infra.nag import acknowledge

AUTHORIZER_CACHE_SECONDS = 60


class RestApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        stage: str,
        handler: lambda_.IFunction,
        authorizer: lambda_.IFunction,
        cors_allowed_origins: tuple[str, ...] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = log_group(self, "AccessLogs")
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"{prefix}api",
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=stage,
                tracing_enabled=True,
                metrics_enabled=True,
                throttling_rate_limit=100,
                throttling_burst_limit=200,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request bodies may carry tokens: never log them
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
            ),
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Preflight answered by API Gateway, without the authorizer; the API function adds
            # Access-Control-Allow-Origin to real responses from the same list (BASIS_CORS_ALLOWED_ORIGINS).
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(cors_allowed_origins),
                allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=list(CORS_ALLOWED_HEADERS),
                max_age=cdk.Duration.seconds(CORS_MAX_AGE_SECONDS),
            )
            if cors_allowed_origins
            else None,
        )
        # The stage's execution logs (logging level ERROR): API Gateway creates this group itself, with no
        # retention, unless it exists first.
        execution_logs = log_group(
            self, "ExecutionLogs", f"API-Gateway-Execution-Logs_{self.api.rest_api_id}/{stage}"
        )
        self.api.deployment_stage.node.add_dependency(execution_logs)
        for response in GATEWAY_RESPONSES:
            self.api.add_gateway_response(
                response.kind,
                type=apigw.ResponseType.of(response.kind),
                # DEFAULT_5XX keeps the status that happened; the others have one status each.
                status_code=None if response.kind.startswith("DEFAULT_") else str(response.status),
                templates={"application/json": json.dumps(response.body())},
            )
        acknowledge(
            self.api,
            "API Gateway's account-level logging role uses the documented AWS-managed "
            "policy AmazonAPIGatewayPushToCloudWatchLogs (it only writes API logs).",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
        )
        self.authorizer = apigw.RequestAuthorizer(
            self,
            "Authorizer",
            handler=authorizer,
            identity_sources=[apigw.IdentitySource.header("Authorization")],
            # Never longer than an internal service JWT lives (60 s, basis.identity.tokens): a cached Allow
            # must not outlive the token that earned it by more than that.
            results_cache_ttl=cdk.Duration.seconds(AUTHORIZER_CACHE_SECONDS),
        )
        validator = self.api.add_request_validator(
            "Validator", validate_request_body=False, validate_request_parameters=True
        )
        integration = apigw.LambdaIntegration(handler)
        version = self.api.root.resource_for_path(API_PREFIX)
        proxy = version.add_resource("{proxy+}")
        self.protected = proxy.add_method(
            "ANY",
            integration,
            authorizer=self.authorizer,
            authorization_type=apigw.AuthorizationType.CUSTOM,
            request_validator=validator,
        )
        for path in PUBLIC_PATHS:
            method = self.api.root.resource_for_path(path).add_method(
                "GET",
                integration,
                authorization_type=apigw.AuthorizationType.NONE,
                request_validator=validator,
            )
            acknowledge(
                method,
                "Public by design (catalog PUBLIC_PATHS): health probe, OpenAPI document and "
                "Swagger UI carry no user data.",
                "AwsSolutions-APIG4",
                "AwsSolutions-COG4",
            )
        acknowledge(
            self.protected,
            "Users authenticate with Privy access tokens (ES256) and services with "
            "HS256 JWTs, both verified by the Lambda authorizer; there is no Cognito user pool.",
            "AwsSolutions-COG4",
        )
        acknowledge(
            self.api,
            "Request bodies are validated by the API function's Pydantic models (the "
            "same models publish the OpenAPI document); gateway validation covers parameters.",
            "AwsSolutions-APIG2",
        )
        acknowledge(
            self.api,
            "No WebACL yet (follow-up): every non-public route needs a token checked by "
            "the Lambda authorizer, and stage throttling bounds request rates.",
            "AwsSolutions-APIG3",
        )
