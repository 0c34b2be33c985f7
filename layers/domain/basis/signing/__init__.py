"""The signing layer: every action the platform takes for a user is a signature from Privy."""
