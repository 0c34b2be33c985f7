"""Venue clients: Hyperliquid, Arbitrum (bridge deposits, gas), Solana and Asgard, wired per user by
``context.UserTradingContext``. Every signature goes through the signing layer."""
