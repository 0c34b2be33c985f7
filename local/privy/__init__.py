"""The Privy emulator: wallets, RPC signing with real keys, policies, key quorums and sign-in tokens,
at the paths and shapes privy-client uses."""

from local.privy.emulator import PrivyEmulator

__all__ = ["PrivyEmulator"]
