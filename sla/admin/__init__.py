"""Admin of the SLA app, one module per area (imported here so autodiscovery finds them)."""

from sla.admin import ingest  # noqa: F401
