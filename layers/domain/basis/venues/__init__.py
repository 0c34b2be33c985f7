"""The product's venue clients: Solana JSON-RPC, Asgard margin trading (and, from other slices,
Hyperliquid and Arbitrum). Endpoints come from configuration; every signature goes through the
signing layer."""
