"""Operator scripts (not shipped in the Lambda layer): Privy policy setup and verification."""
