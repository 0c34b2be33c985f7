"""Response bodies of the auth and wallet routes (they are the OpenAPI schemas too)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from basis.wallets.provisioning import ServerWallets

# Printable ASCII only, one "@", a dotted domain: no control characters, spaces or quotes stored.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+$"


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(
        None, max_length=254, pattern=EMAIL_PATTERN, description="the user's email, if Privy knows it"
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
    paused: bool = Field(description="the strategy is paused (GET /strategy/risk-status says more)")
    paused_reason: str | None = Field(
        description="user_requested, drawdown, consecutive_failures, kill_switch, closed_no_reopen"
    )


class TransferOutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chain: Literal["ethereum", "solana"]
    asset: Literal["USDC", "ETH", "SOL"] = Field(description="USDC or ETH on ethereum, USDC or SOL on solana")
    amount: str = Field(
        max_length=40, pattern=r"^[0-9]{1,30}(\.[0-9]{1,18})?$", description="decimal text, e.g. '12.5'"
    )
    to: str = Field(
        min_length=32, max_length=44, pattern=r"^[0-9A-Za-z]+$", description="EVM (EIP-55) or Solana address"
    )


class TransferOutResponse(BaseModel):
    id: str
    chain: str
    asset: str
    amount: str
    to: str
    stage: str = Field(description="sent (final), or in_progress while an outcome is unknown")
    tx_hash: str | None


class ServerWalletsResponse(BaseModel):
    ready: bool
    evm_wallet_id: str | None
    evm_address: str | None
    solana_wallet_id: str | None
    solana_address: str | None


class DepositRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_usdc: str = Field(
        max_length=40, pattern=r"^[0-9]{1,30}(\.[0-9]{1,18})?$", description="decimal text, e.g. '600.5'"
    )


class WithdrawalRequest(DepositRequest):
    """USDC to withdraw from Hyperliquid to the caller's server wallet (the bridge keeps 1 USDC)."""


class OperationResponse(BaseModel):
    id: str
    kind: Literal["deposit", "withdrawal"]
    stage: str = Field(
        description="a deposit ends at hl_credited, a withdrawal at completed; failed or rejected when "
        "nothing moved"
    )
    amount_usdc: str = Field(description="exact decimal text")
    tx_hashes: list[str] = Field(
        description="a deposit: its Arbitrum transfer; a withdrawal: its Hyperliquid action, then its "
        "Arbitrum payout"
    )
    error: str | None
    needs_reconciliation: bool = Field(description="funds may have moved: the reconciler resolves it")
    created_at: datetime | None
    updated_at: datetime | None


class OperationsResponse(BaseModel):
    operations: list[OperationResponse] = Field(description="newest first")
