"""The scheduled gas fan-out (seed 5.2b) and its settings."""
