"""The local AWS endpoint: moto's server (Step Functions executing our ASL, SQS, EventBridge,
Secrets Manager, SSM) behind a shim that answers Lambda Invoke by running our real handlers.

Moto's Step Functions executor calls Lambda at ``http://localhost:$MOTO_PORT``: this endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from local.aws.lambdas import LocalLambdas

INVOKE_PREFIX = "/2015-03-31/functions/"


class LambdaShim:
    """WSGI middleware: Lambda Invoke goes to our handlers, everything else to moto."""

    def __init__(self, moto_app: Callable[..., Iterable[bytes]], lambdas: LocalLambdas) -> None:
        self.moto_app = moto_app
        self.lambdas = lambdas

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") == "POST"
            and path.startswith(INVOKE_PREFIX)
            and path.endswith("/invocations")
        ):
            response = self._invoke(
                Request(environ), unquote(path[len(INVOKE_PREFIX) : -len("/invocations")])
            )
            return response(environ, start_response)
        return self.moto_app(environ, start_response)

    def _invoke(self, request: Request, name: str) -> Response:
        try:
            self.lambdas.resolve(name)
        except KeyError:
            body = {"Type": "User", "message": f"Function not found: {name}"}
            return Response(
                json.dumps(body),
                404,
                {"x-amzn-ErrorType": "ResourceNotFoundException"},
                mimetype="application/json",
            )
        raw = request.get_data()
        event = json.loads(raw) if raw else {}
        result = self.lambdas.invoke(name, event)
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        if result.error is not None:
            headers["X-Amz-Function-Error"] = "Unhandled"
            return Response(json.dumps(result.error), 200, headers, mimetype="application/json")
        return Response(json.dumps(result.payload), 200, headers, mimetype="application/json")


def create_aws_app(lambdas: LocalLambdas) -> LambdaShim:
    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from local.aws import moto_sqs

    moto_sqs.install()
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    return LambdaShim(DomainDispatcherApplication(create_backend_app), lambdas)
