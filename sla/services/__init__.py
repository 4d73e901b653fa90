"""Writes of the SLA app, one module per topic."""
