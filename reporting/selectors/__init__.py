"""Reads of the reporting app: report contents, reports, the operator dashboard."""
