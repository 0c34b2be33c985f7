"""Hyperliquid: the trader client and the wire models of /info and /exchange."""
