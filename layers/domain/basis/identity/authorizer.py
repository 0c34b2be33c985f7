"""API Gateway REQUEST authorizer: turns a bearer token into an IAM policy plus the caller's id."""

from __future__ import annotations

from typing import Any

from basis.identity.service_secrets import service_secrets
from basis.identity.settings import IdentitySettings
from basis.identity.tokens import AuthError, Principal, authenticate
from basis.platform.config import get_settings
from basis.platform.observability import logger


class UnauthorizedError(Exception):
    """API Gateway answers 401 when an authorizer raises exactly 'Unauthorized'."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _api_wildcard(method_arn: str) -> str:
    # arn:aws:execute-api:region:account:api-id/stage/METHOD/path -> every method and path of the stage
    prefix, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{prefix}/{stage}/*/*"


def policy_for(principal: Principal, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": principal.user_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _api_wildcard(method_arn)}
            ],
        },
        "context": {"user_id": principal.user_id, "kind": principal.kind, "role": principal.role},
    }


def authorize(event: dict[str, Any], settings: IdentitySettings) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    try:
        principal = authenticate(
            headers.get("authorization"),
            privy_key=settings.privy_verification_key,
            app_id=get_settings().privy_app_id,
            service_secrets=service_secrets().accepted(),
            leeway=settings.token_leeway_seconds,
        )
    except AuthError as exc:
        logger.info("request not authorized", extra={"reason": str(exc), "path": event.get("path")})
        raise UnauthorizedError() from exc
    return policy_for(principal, event["methodArn"])
