"""``UserTradingContext``: one user's venue clients, built from the user's row (seed 3.2 / 6.2).

``from_user_id`` reads the server wallet ids and addresses stored by provisioning on the users
table and builds ``PrivyWalletSigner``s with the **wallet id from the row** (never an address -> id
lookup). The platform has no embedded-wallet columns: server wallets are the only wallets, so there
is nothing to fall back to; a user whose wallets are not provisioned yet gets ``WalletsNotReadyError``
when a client for that chain is asked for. Endpoints come from configuration (``BASIS_*``), token
and bridge addresses from the policy settings, so the clients sign exactly what the policy allows.
Every client is created on first use and cached for the life of the context (one invocation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from basis.platform.errors import ConflictError, UserNotFoundError
from basis.policies.settings import PolicySettings, get_policy_settings

if TYPE_CHECKING:
    from basis.signing.breaker import SharedCircuitBreaker
    from basis.signing.hyperliquid import PrivyHyperliquidExchange
    from basis.signing.settings import SigningSettings
    from basis.signing.signer import PrivyWalletSigner
    from basis.venues.arbitrum.client import ArbitrumClient
    from basis.venues.asgard.client import AsgardPositionManager
    from basis.venues.hyperliquid.trader import HyperliquidTrader
    from basis.venues.solana.client import SolanaClient


class WalletsNotReadyError(ConflictError):
    """The user's server wallet for this chain is not provisioned yet (provisioning is async, C1)."""


@dataclass
class UserTradingContext:
    user_id: str
    evm_wallet_id: str | None
    evm_address: str | None
    solana_wallet_id: str | None
    solana_address: str | None
    hyperliquid_url: str
    arbitrum_rpc_url: str
    solana_rpc_url: str
    asgard_url: str
    policy_settings: PolicySettings = field(default_factory=get_policy_settings)
    # Collaborators the signers share; None means the signing layer's defaults.
    breaker: SharedCircuitBreaker | None = None
    signing_settings: SigningSettings | None = None
    privy_client: Any = None
    preflight_policy: bool = True  # evaluate the local copy of the policy before calling Privy
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_user_id(cls, user_id: str, **overrides: Any) -> UserTradingContext:
        from basis.platform.config import get_settings
        from basis.wallets.store import get_user_wallets

        wallets = get_user_wallets(user_id)
        if wallets is None:
            raise UserNotFoundError(user_id)
        settings = get_settings()
        values: dict[str, Any] = {
            "hyperliquid_url": str(settings.hyperliquid_api_url).rstrip("/"),
            "arbitrum_rpc_url": str(settings.arbitrum_rpc_url).rstrip("/"),
            "solana_rpc_url": str(settings.solana_rpc_url).rstrip("/"),
            "asgard_url": str(settings.asgard_api_url).rstrip("/"),
            **overrides,
        }
        return cls(
            user_id,
            wallets.evm_wallet_id,
            wallets.evm_address,
            wallets.solana_wallet_id,
            wallets.solana_address,
            **values,
        )

    # -- signers ---------------------------------------------------------------------------------
    def _signer(self, chain: str) -> PrivyWalletSigner:
        key = f"signer:{chain}"
        if key not in self._cache:
            from basis.signing.signer import PrivyWalletSigner

            wallet_id, address = (
                (self.evm_wallet_id, self.evm_address)
                if chain == "ethereum"
                else (self.solana_wallet_id, self.solana_address)
            )
            if not wallet_id or not address:
                raise WalletsNotReadyError(f"user {self.user_id} has no {chain} server wallet yet")
            self._cache[key] = PrivyWalletSigner(
                self.user_id,
                wallet_id,
                address,
                chain,
                policy=self._policy(chain, address),
                breaker=self.breaker,
                settings=self.signing_settings,
                policy_settings=self.policy_settings,
                client=self.privy_client,
            )
        signer: PrivyWalletSigner = self._cache[key]
        return signer

    def _policy(self, chain: str, address: str) -> dict[str, Any] | None:
        """The signer's local copy of the platform's policy for the wallet (``basis.policies.
        local_copy``): on EVM the user's own (withdraw3 only to the wallet, USDC only to the
        user's active withdrawal addresses, ``withdrawal_addresses.platform_evm_policy``), on
        Solana the shared one."""
        if not self.preflight_policy:
            return None
        if chain == "ethereum":
            from basis.wallets.withdrawal_addresses import platform_evm_policy

            return platform_evm_policy(self.user_id, address, self.policy_settings)
        from basis.policies.local_copy import for_wallet
        from basis.policies.rules import build_solana_policy

        return for_wallet(build_solana_policy(self.policy_settings), address)

    def evm_signer(self) -> PrivyWalletSigner:
        return self._signer("ethereum")

    def solana_signer(self) -> PrivyWalletSigner:
        """The user's Solana server wallet signer (for the Solana / Asgard clients)."""
        return self._signer("solana")

    # -- venue clients ---------------------------------------------------------------------------
    def get_hl_exchange(self) -> PrivyHyperliquidExchange:
        if "hl_exchange" not in self._cache:
            from basis.signing.hyperliquid import PrivyHyperliquidExchange

            self._cache["hl_exchange"] = PrivyHyperliquidExchange(self.evm_signer(), self.hyperliquid_url)
        exchange: PrivyHyperliquidExchange = self._cache["hl_exchange"]
        return exchange

    def get_hl_trader(self) -> HyperliquidTrader:
        if "hl_trader" not in self._cache:
            from basis.venues.hyperliquid.trader import HyperliquidTrader

            if not self.evm_address:
                raise WalletsNotReadyError(f"user {self.user_id} has no ethereum server wallet yet")
            self._cache["hl_trader"] = HyperliquidTrader(
                self.hyperliquid_url, self.get_hl_exchange(), self.evm_address
            )
        trader: HyperliquidTrader = self._cache["hl_trader"]
        return trader

    def get_arbitrum_client(self) -> ArbitrumClient:
        if "arbitrum" not in self._cache:
            from basis.venues.arbitrum.client import ArbitrumClient

            self._cache["arbitrum"] = ArbitrumClient(
                self.arbitrum_rpc_url,
                self.evm_signer(),
                self.policy_settings.arbitrum_usdc_address,
                self.policy_settings.hyperliquid_bridge_address,
                policy_settings=self.policy_settings,
            )
        client: ArbitrumClient = self._cache["arbitrum"]
        return client

    def get_solana_client(self) -> SolanaClient:
        if "solana" not in self._cache:
            from basis.venues.solana.client import SolanaClient

            self._cache["solana"] = SolanaClient(self.solana_rpc_url)
        client: SolanaClient = self._cache["solana"]
        return client

    def get_asgard_manager(self) -> AsgardPositionManager:
        if "asgard" not in self._cache:
            from basis.venues.asgard.client import AsgardPositionManager

            self._cache["asgard"] = AsgardPositionManager(
                self.asgard_url, self.solana_signer(), self.get_solana_client()
            )
        manager: AsgardPositionManager = self._cache["asgard"]
        return manager
