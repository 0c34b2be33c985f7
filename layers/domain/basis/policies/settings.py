"""The product's amount limits and token addresses (seed 1.1), read from ``BASIS_*``.

Per-transaction limits are built into the shared Privy policies; Privy policies are stateless, so
the daily caps are enforced by the signing layer's rolling ledger (G3), and the auto-bridge cap by
the deposit saga and the Arbitrum client (5.1a). Amounts are in human units (USDC, SOL, SPL token
units) and converted to base units where used. Every address and limit is configurable; the
defaults are Arbitrum One / Solana mainnet.
"""

from __future__ import annotations

import re
from decimal import Decimal

from pydantic import Field, field_validator, model_validator

from basis.chains import arbitrum, hyperliquid, solana
from basis.chains.amounts import lamports, to_base_units, usdc_base_units
from basis.platform.settings import BasisSettings, cached, every_match

EVM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
SOLANA_ADDRESS = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")

# Solana programs a server wallet may invoke (top-level instructions). Asgard's own program and
# any lending-protocol programs are added by configuration (G1).
DEFAULT_SOLANA_PROGRAMS = (
    solana.SYSTEM_PROGRAM,
    solana.TOKEN_PROGRAM,
    solana.TOKEN_2022_PROGRAM,
    solana.ASSOCIATED_TOKEN_PROGRAM,
    solana.COMPUTE_BUDGET_PROGRAM,
    solana.MEMO_PROGRAM,
    solana.MEMO_V1_PROGRAM,
)

# The real Bridge2 credits plain USDC transfers of at least 5 USDC; smaller ones are lost.
BRIDGE_MINIMUM_DEPOSIT_USDC = Decimal(5)
_MIN = BRIDGE_MINIMUM_DEPOSIT_USDC


class PolicySettings(BasisSettings):
    evm_policy_name: str = Field(default="basis_evm_server_wallet", min_length=1, max_length=50)
    solana_policy_name: str = Field(default="basis_solana_server_wallet", min_length=1, max_length=50)

    max_usdc_per_tx: Decimal = Field(default=Decimal(25000), gt=0)
    max_sol_per_tx: Decimal = Field(default=Decimal(10), gt=0)
    # SPL amounts are capped in units of a 6-decimal token (USDC, the token the product moves).
    max_spl_per_tx: Decimal = Field(default=Decimal(25000), gt=0)
    spl_cap_decimals: int = Field(default=6, ge=0, le=18)
    # Strict caps per user over a rolling 24 h (the signing layer's ledger).
    max_usdc_daily: Decimal = Field(default=Decimal(50000), gt=0)
    max_sol_daily: Decimal = Field(default=Decimal(50), gt=0)
    max_spl_daily: Decimal = Field(default=Decimal(50000), gt=0)
    minimum_bridge_deposit_usdc: Decimal = Field(default=_MIN, ge=_MIN)
    # The most one automatic bridge deposit may move (seed 5.1a, N12): larger ones are split.
    max_auto_bridge_usdc: Decimal = Field(default=Decimal(25000), gt=0)

    arbitrum_usdc_address: str = arbitrum.USDC
    hyperliquid_bridge_address: str = arbitrum.HYPERLIQUID_BRIDGE2
    # EIP-712 chain ids: L1 actions sign a phantom agent on 1337; user-signed actions use the
    # signatureChainId the client picks (the official SDK always uses 0x66eee).
    hyperliquid_exchange_chain_id: int = Field(default=hyperliquid.EXCHANGE_CHAIN_ID, gt=0)
    hyperliquid_signature_chain_id: int = Field(default=hyperliquid.SIGNATURE_CHAIN_ID, gt=0)

    solana_usdc_mint: str = solana.USDC_MINT
    solana_program_ids: tuple[str, ...] = DEFAULT_SOLANA_PROGRAMS
    # Extra programs the product's Solana transactions invoke at top level (e.g. lending protocols).
    solana_extra_program_ids: tuple[str, ...] = ()
    asgard_program_id: str | None = None

    @field_validator("arbitrum_usdc_address", "hyperliquid_bridge_address")
    @classmethod
    def _evm_address(cls, value: str) -> str:
        if not EVM_ADDRESS.match(value):
            raise ValueError("must be a 0x-prefixed 20-byte hex address")
        return value

    @field_validator("solana_usdc_mint", "asgard_program_id")
    @classmethod
    def _solana_address(cls, value: str | None) -> str | None:
        if value is not None and not SOLANA_ADDRESS.match(value):
            raise ValueError("must be a base58 Solana address")
        return value

    @field_validator("asgard_program_id", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("solana_program_ids", "solana_extra_program_ids")
    @classmethod
    def _solana_addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return every_match(SOLANA_ADDRESS, value, "base58 Solana addresses")

    @model_validator(mode="after")
    def _coherent_limits(self) -> PolicySettings:
        if self.max_usdc_daily < self.max_usdc_per_tx:
            raise ValueError("max_usdc_daily must be at least max_usdc_per_tx")
        if self.max_usdc_per_tx < self.minimum_bridge_deposit_usdc:
            raise ValueError("max_usdc_per_tx must be at least minimum_bridge_deposit_usdc")
        if self.max_auto_bridge_usdc < self.minimum_bridge_deposit_usdc:
            raise ValueError("max_auto_bridge_usdc must be at least minimum_bridge_deposit_usdc")
        return self

    def daily_caps(self) -> dict[str, int]:
        """The rolling 24 h cap per asset, in base units (what the signing ledger counts)."""
        return {
            "USDC": usdc_base_units(self.max_usdc_daily),
            "SOL": lamports(self.max_sol_daily),
            "SPL": to_base_units(self.max_spl_daily, self.spl_cap_decimals),
        }

    def allowed_solana_programs(self) -> list[str]:
        """Every program id the Solana policy allows, in order, without duplicates."""
        ids = [*self.solana_program_ids, *self.solana_extra_program_ids]
        if self.asgard_program_id:
            ids.append(self.asgard_program_id)
        return list(dict.fromkeys(ids))


get_policy_settings = cached(PolicySettings)
