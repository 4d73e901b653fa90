"""Writes of the reporting app."""
