"""Basis server wallets: the shared domain package, shipped to every function as a Lambda layer."""
