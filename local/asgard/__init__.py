"""The Asgard margin-trading simulator (port 9300)."""

from local.asgard.simulator import AsgardSimulator

__all__ = ["AsgardSimulator"]
