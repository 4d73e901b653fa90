"""SLA admin, split by topic (the SLO side: sla.admin.slo)."""

from sla.admin import slo  # noqa: F401 - registers the SLO admin
