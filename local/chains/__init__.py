"""Local chains: anvil as the Arbitrum stand-in (USDC + a Bridge2-like contract)."""
