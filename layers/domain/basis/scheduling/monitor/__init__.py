"""The position monitor's scheduled fan-out (one message per user with positions to watch)."""
