"""``basis-local fund``: credit a user's server wallets on the local chains (a faucet, for demos)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from basis.wallets.provisioning import get_user_wallets

USDC_UNIT = 10**6
WEI_PER_ETH = 10**18
LAMPORTS_PER_SOL = 10**9


class NotProvisionedError(Exception):
    pass


@dataclass(frozen=True)
class Funding:
    usdc: Decimal = Decimal(0)  # on Arbitrum (anvil)
    eth: Decimal = Decimal(0)
    sol: Decimal = Decimal(0)
    solana_usdc: Decimal = Decimal(0)


def fund_user(urls: dict[str, str], user_id: str, funding: Funding) -> list[str]:
    """Credit the user's wallets; returns one line per credit. Needs the stack's environment."""
    from local.chains import solana_funding
    from local.chains.evm_deploy import deploy
    from local.chains.evm_funding import fund_eth, mint_usdc

    wallets = get_user_wallets(user_id)
    if wallets is None or not wallets.complete:
        raise NotProvisionedError(
            f"{user_id} has no server wallets yet: sign in first (POST /api/v1/auth/sync)"
        )
    evm, sol = str(wallets.evm_address), str(wallets.solana_address)
    done = []
    if funding.eth:
        fund_eth(urls["anvil"], evm, int(funding.eth * WEI_PER_ETH))
        done.append(f"{funding.eth} ETH -> {evm} (anvil)")
    if funding.usdc:
        mint_usdc(deploy(urls["anvil"]), evm, int(funding.usdc * USDC_UNIT))
        done.append(f"{funding.usdc} USDC -> {evm} (anvil)")
    if funding.sol:
        solana_funding.airdrop_sol(urls["solana"], sol, int(funding.sol * LAMPORTS_PER_SOL))
        done.append(f"{funding.sol} SOL -> {sol} (solana)")
    if funding.solana_usdc:
        solana_funding.mint_usdc(urls["solana"], sol, int(funding.solana_usdc * USDC_UNIT))
        done.append(f"{funding.solana_usdc} USDC -> {sol} (solana)")
    return done
