"""Server wallets: exactly-once provisioning, the WalletsRequested consumer, the Privy creator."""
