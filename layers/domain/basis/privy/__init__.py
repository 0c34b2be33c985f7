"""The Privy SDK client for this deployment and the ids of the platform's policies and key quorum."""
