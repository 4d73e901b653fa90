"""REST API of the SLA app (SLO side: sla.api.slo, sla.api.requests)."""
