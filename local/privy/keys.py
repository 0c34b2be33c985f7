"""Kept for ``tests/integration/test_signin_provisioning.py``; the token issuer lives in ``tokens``."""

from local.privy.tokens import TokenIssuer

__all__ = ["TokenIssuer"]
