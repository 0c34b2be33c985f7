"""``/api/v1/auth``: sign-in sync and who-am-I (seed 2.3)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from basis.api.errors import route_responses
from basis.api.principal import current_principal
from basis.api.schemas import CheckResponse, MeResponse, ServerAddresses, SyncRequest, SyncResponse
from basis.identity import signin, users
from basis.strategy import store as strategies
from basis.wallets.provisioning import ServerWallets, get_user_wallets

router = APIGatewayRouter()


@router.post(
    "/auth/sync",
    summary="Upsert the signed-in user; wallets are provisioned in the background",
    responses=route_responses(
        SyncResponse, "the user, and whether wallets are on their way", 400, 401, 405, 413, 415, 422
    ),
)
def sync(body: SyncRequest | None = None) -> SyncResponse:
    principal = current_principal(router.current_event)
    result = signin.sync(principal.user_id, email=str(body.email) if body and body.email else None)
    return SyncResponse(
        user_id=principal.user_id,
        created=result.created,
        wallets_provisioning=result.wallets_provisioning,
        **ServerAddresses.of(result.wallets).model_dump(),
    )


@router.get(
    "/auth/check",
    summary="Is the token valid, and the caller's server addresses",
    responses=route_responses(CheckResponse, "the caller", 400, 401, 405),
)
def check() -> CheckResponse:
    principal = current_principal(router.current_event)
    wallets = get_user_wallets(principal.user_id) or ServerWallets()
    return CheckResponse(
        authenticated=True, user_id=principal.user_id, **ServerAddresses.of(wallets).model_dump()
    )


@router.get(
    "/auth/me",
    summary="The signed-in user's profile and server addresses",
    responses=route_responses(MeResponse, "the profile", 400, 401, 404, 405),
)
def me() -> MeResponse:
    user = users.require(current_principal(router.current_event).user_id)
    strategy = strategies.get(user.user_id)  # the one pause state: the strategy's
    return MeResponse(
        user_id=user.user_id,
        email=user.email,
        created_at=user.created_at,
        last_sign_in_at=user.last_sign_in_at,
        paused=strategy.paused,
        paused_reason=strategy.paused_reason,
        **ServerAddresses.of(user.wallets).model_dump(),
    )
