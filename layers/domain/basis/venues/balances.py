"""One user's balances across the venues (``GET /api/v1/balances``): USDC and ETH on Arbitrum, USDC
and SOL on Solana (the server wallets), Hyperliquid account value and withdrawable. Each entry names
its source and when it was read; amounts are decimal strings. A venue that fails gives its entries
an error (the others are still read); a user who never signed in is ``UserNotFoundError``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from basis.chains.amounts import SOL_DECIMALS, USDC_DECIMALS, from_base_units
from basis.platform.observability import logger
from basis.venues.context import UserTradingContext


@dataclass(frozen=True)
class Balance:
    venue: str  # "arbitrum" | "solana" | "hyperliquid"
    asset: str  # "USDC" | "ETH" | "SOL" | "account_value" | "withdrawable"
    amount: str | None  # a decimal string; None with ``error``
    source: str  # what was asked: the RPC or API and the address
    at: datetime
    error: str | None = None


def _read(venue: str, source: str, read: Callable[[], dict[str, Decimal]]) -> list[Balance]:
    at = datetime.now(UTC)
    try:
        amounts = read()
    except Exception as exc:
        logger.warning("balance not read", extra={"venue": venue, "error": f"{type(exc).__name__}: {exc}"})
        return [Balance(venue, "*", None, source, at, f"{type(exc).__name__}: {exc}")]
    return [Balance(venue, asset, str(amount), source, at) for asset, amount in amounts.items()]


VENUES = ("arbitrum", "solana", "hyperliquid")


def balances(user_id: str, venues: tuple[str, ...] = VENUES) -> list[Balance]:
    """The user's balances on ``venues`` (all three unless narrowed), each venue read once."""
    context = UserTradingContext.from_user_id(user_id, preflight_policy=False)
    evm, sol = context.evm_address or "", context.solana_address or ""

    def arbitrum() -> dict[str, Decimal]:
        client = context.get_arbitrum_client()
        return {"USDC": client.usdc_balance(), "ETH": client.eth_balance()}

    def solana() -> dict[str, Decimal]:
        client, mint = context.get_solana_client(), context.policy_settings.solana_usdc_mint
        return {
            "USDC": from_base_units(client.usdc_balance(sol, mint), USDC_DECIMALS),
            "SOL": from_base_units(client.sol_balance(sol), SOL_DECIMALS),
        }

    def hyperliquid() -> dict[str, Decimal]:
        state = context.get_hl_trader().account_state()
        return {"account_value": state.account_value, "withdrawable": state.available_to_withdraw}

    readers = {
        "arbitrum": (f"arbitrum rpc {context.arbitrum_rpc_url} for {evm}", arbitrum),
        "solana": (f"solana rpc {context.solana_rpc_url} for {sol}", solana),
        "hyperliquid": (f"hyperliquid clearinghouseState for {evm}", hyperliquid),
    }
    return [entry for venue in venues for entry in _read(venue, *readers[venue])]
