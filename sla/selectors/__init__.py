"""Reads for the SLA app: ORM rows in, engine inputs and results out."""
