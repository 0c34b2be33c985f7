"""The caller, as the authorizer established it (requestContext.authorizer)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.exceptions import ForbiddenError, UnauthorizedError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from basis.identity.tokens import Principal


def current_principal(event: APIGatewayProxyEvent) -> Principal:
    context = event.request_context.authorizer.raw_event or {}
    user_id = context.get("user_id")
    if not user_id:
        raise UnauthorizedError("no authenticated caller")
    return Principal(
        user_id=str(user_id), kind=str(context.get("kind", "user")), role=str(context.get("role", "user"))
    )


def require_user_token(event: APIGatewayProxyEvent) -> tuple[Principal, str]:
    """The caller and its own Privy access token; 403 for a service token, whatever its role:
    only a user's own token can authorize what moves the user's money by the user's authority."""
    principal = current_principal(event)
    if principal.kind != "user":
        raise ForbiddenError("only the user's own access token can do this, not a service token")
    _, _, token = (event.headers.get("Authorization") or event.headers.get("authorization") or "").partition(
        " "
    )
    return principal, token.strip()


def require_admin(event: APIGatewayProxyEvent) -> Principal:
    """The caller, if it is an admin service token; 403 for anyone else."""
    principal = current_principal(event)
    if principal.role != "admin":
        raise ForbiddenError("admin only")
    return principal
