"""Admin registrations of the SLA app, one module per area."""

from sla.admin import definitions, downtimes, ingest, rules, slo  # noqa: F401 - each module registers its admin
