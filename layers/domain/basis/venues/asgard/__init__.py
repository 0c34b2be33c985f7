"""Asgard margin trading: leveraged SOL longs opened and closed with the user's Solana wallet."""
