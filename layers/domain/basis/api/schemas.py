"""Response bodies of the auth and wallet routes (they are the OpenAPI schemas too)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from basis.wallets.provisioning import ServerWallets


class SyncRequest(BaseModel):
    email: str | None = Field(
        None,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="the user's email, if Privy knows it",
    )


class ServerAddresses(BaseModel):
    server_evm_address: str | None
    server_solana_address: str | None

    @classmethod
    def of(cls, wallets: ServerWallets) -> ServerAddresses:
        return cls(server_evm_address=wallets.evm_address, server_solana_address=wallets.solana_address)


class SyncResponse(ServerAddresses):
    user_id: str
    created: bool
    wallets_provisioning: bool


class CheckResponse(ServerAddresses):
    authenticated: bool
    user_id: str


class MeResponse(ServerAddresses):
    user_id: str
    email: str | None
    created_at: datetime
    last_sign_in_at: datetime | None
    paused: bool
    paused_reason: str | None


class ServerWalletsResponse(BaseModel):
    ready: bool
    evm_wallet_id: str | None
    evm_address: str | None
    solana_wallet_id: str | None
    solana_address: str | None
