"""The Privy emulator: wallets, RPC signing with real keys, policies, key quorums and sign-in tokens,
at the paths and shapes privy-client uses. ``python -m local.privy`` serves it alone."""

from local.privy.emulator import LOCAL_APP_ID, PrivyEmulator
from local.privy.errors import PrivyError
from local.privy.tokens import TokenIssuer

__all__ = ["LOCAL_APP_ID", "PrivyEmulator", "PrivyError", "TokenIssuer"]
