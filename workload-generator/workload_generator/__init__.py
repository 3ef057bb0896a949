"""Workload generator: open-loop load at a target RPS against the ticketing API gateway."""

__version__ = "1.0.0"
