"""Solana JSON-RPC: balances, token accounts, sending signed transactions."""
