"""The API as a client sees it: HTTP through the local gateway, as a user, a service, an admin or
nobody. Shared by every test that calls the API (fixture ``api_client``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests

from basis.identity.service_secrets import service_secrets
from basis.identity.tokens import issue_service_token
from local.runtime.stack import LocalStack


def new_user_id(prefix: str = "user") -> str:
    return f"did:privy:{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class ApiClient:
    stack: LocalStack

    @property
    def base(self) -> str:
        return f"{self.stack.url('api')}/api/v1"

    def user_token(self, user_id: str, **kwargs: Any) -> str:
        """A Privy access token for ``user_id`` from the emulator (the app's signing key)."""
        return self.stack.privy.issue_token(user_id, **kwargs)

    def service_token(self, user_id: str, *, role: str = "user") -> str:
        return issue_service_token(service_secrets().signing(), user_id, role=role)

    def request(
        self,
        method: str,
        path: str,
        *,
        user: str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """``path`` is under /api/v1. ``user`` signs the call with that user's Privy token;
        ``token`` uses a given bearer token; neither: no Authorization header."""
        merged = dict(headers or {})
        bearer = token if token is not None else (self.user_token(user) if user else None)
        if bearer is not None:
            merged["Authorization"] = f"Bearer {bearer}"
        return requests.request(method, f"{self.base}{path}", headers=merged, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def as_admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.request(method, path, token=self.service_token("did:privy:ops", role="admin"), **kwargs)
