"""Admin registrations of the SLA app, one module per area."""

from sla.admin import definitions  # noqa: F401
