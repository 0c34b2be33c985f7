"""The product's venue clients, one package per venue (mirroring ``local/<venue>/``):
``arbitrum``, ``hyperliquid``, ``asgard``, ``solana``; ``context`` hands them out per user.
Endpoints come from configuration; every signature goes through the signing layer."""
