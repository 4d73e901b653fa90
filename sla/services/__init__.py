"""Writes for the SLA app."""
