"""Scheduled fan-outs: dispatchers that turn a schedule tick into one message per user."""
