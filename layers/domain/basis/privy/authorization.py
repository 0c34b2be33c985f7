"""Who authorizes a Privy wallet request, and the privy-client wallet service that signs it.

Custody (see the README's custody section): every server wallet is OWNED by its user; the
platform's key quorum is an ADDITIONAL SIGNER bound by its override policy. So a request is
authorized either

* by the user, ``as_user(access_token)``: privy-client exchanges the user's valid Privy access
  token for a time-bound user key (``POST /v1/wallets/authenticate``; the key comes back
  HPKE-encrypted to a P-256 key the SDK holds, is cached per token until it expires) and signs
  with it. Only the user can change their wallet (owner, signers, policies) or sign outside the
  platform's policy; or
* by the platform, ``as_platform()``: the ``privy_authorization_key`` secret (the key quorum's
  key). Privy then evaluates only the platform signer's override policy.

    from basis.privy.authorization import as_user, wallet_service
    wallet_service().rpc(wallet_id, wallet_rpc_request_body=body, request_options=as_user(token))
    wallet_service().update(wallet_id, wallet_update_params=change, request_options=as_user(token))
    policy_service().update(policy_id, policy_update_params=change, request_options=as_user(token))

An expired or invalid access token makes the exchange fail with ``privy.BadRequestError`` (Privy's
400 "Invalid JWT token provided."): the caller must sign in again.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from basis.platform.errors import ConfigurationError
from basis.platform.secrets import get_secrets
from basis.privy.client import privy_client

if TYPE_CHECKING:
    from privy import PrivyAPI
    from privy.lib.jwt_exchange import JWTExchangeService
    from privy.lib.policies import PrivyPoliciesService
    from privy.lib.request_options import PrivyRequestOptions
    from privy.lib.wallets import PrivyWalletsService


def wallet_service(client: PrivyAPI | None = None) -> PrivyWalletsService:
    """privy-client's wallet service over ``client`` (the deployment's by default): signs each
    request with the authorization context of its ``request_options``, user keys included."""
    return _service(client or privy_client())


def policy_service(client: PrivyAPI | None = None) -> PrivyPoliciesService:
    """privy-client's policy service over ``client``, signing as ``wallet_service`` does (a policy
    owned by a user is changed with that user's key)."""
    return _policies(client or privy_client())


@lru_cache(maxsize=4)  # one per client: the deployment's client is rebuilt when its secret rotates
def _exchanger(client: PrivyAPI) -> JWTExchangeService:
    """Exchanges access tokens for user keys, cached per token: shared by both services."""
    from privy.lib.jwt_exchange import JWTExchangeService

    return JWTExchangeService(client.wallets)


@lru_cache(maxsize=4)
def _service(client: PrivyAPI) -> PrivyWalletsService:
    from privy.lib.wallets import PrivyWalletsService

    return PrivyWalletsService(client, _exchanger(client))


@lru_cache(maxsize=4)
def _policies(client: PrivyAPI) -> PrivyPoliciesService:
    from privy.lib.policies import PrivyPoliciesService

    return PrivyPoliciesService(client, jwt_exchanger=_exchanger(client))


def as_user(access_token: str) -> PrivyRequestOptions:
    """Authorized by the user whose Privy access token this is (the wallet's owner)."""
    from privy.lib.authorization import AuthorizationContext
    from privy.lib.request_options import PrivyRequestOptions

    return PrivyRequestOptions(authorization_context=AuthorizationContext(user_jwts=[access_token]))


def as_platform(authorization_key: str | None = None) -> PrivyRequestOptions:
    """Authorized by the platform's key quorum (its override policy decides what it may sign):
    ``authorization_key``, by default the ``privy_authorization_key`` secret."""
    from privy.lib.authorization import AuthorizationContext
    from privy.lib.request_options import PrivyRequestOptions

    key = authorization_key or get_secrets().privy_authorization_key
    if not key:
        raise ConfigurationError("the secret has no privy_authorization_key: the platform cannot sign")
    return PrivyRequestOptions(authorization_context=AuthorizationContext(authorization_private_keys=[key]))
