"""Arbitrum One: the contracts the product signs for."""

CHAIN_ID = 42161
CAIP2 = f"eip155:{CHAIN_ID}"
# Circle's native USDC.
USDC = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"
# Hyperliquid's Bridge2: credits plain USDC transfers to it (at least 5 USDC; smaller ones are lost).
HYPERLIQUID_BRIDGE2 = "0x2Df1c51E09aECF9cacB7bc98cB1742757f163dF7"
