"""Tags of the API documentation (plain data: the settings read it before apps load)."""

# Tags by the first path segment after /api/v1/ (or the whole prefix for nested routes).
TAGS = {
    "account": "accounts",
    "tokens": "accounts",
    "audit-log": "audit",
    "events": "ingest",
    "requests": "ingest",
    "services/import": "ingest",
    "services/{id}/sla": "SLAs",
    "groups/{id}/sla": "SLAs",
    "slas": "SLAs",
    "rules": "SLAs",
    "services": "services",
    "groups/{id}/budget": "SLOs",
    "groups": "services",
    "downtimes": "services",
    "time-periods": "services",
    "incidents": "incidents",
    "slos": "SLOs",
    "alert-policies": "SLOs",
    "reports": "SLOs",
    "daily-reports": "reports",
    "dashboard": "reports",
    "webhooks": "notifications",
    "email-recipients": "notifications",
    "status-pages": "status pages",
    "status-page-groups": "status pages",
    "status-page-components": "status pages",
    "public-incidents": "status pages",
    "incident-updates": "status pages",
    "maintenance-updates": "status pages",
    "agreements": "agreements",
    "contexts": "agreements",
}

TAG_DESCRIPTIONS = [
    {"name": "accounts", "description": "The token's account and API tokens."},
    {"name": "ingest", "description": "Status events, request counts, service import."},
    {"name": "services", "description": "Services, SLA groups, downtimes, time periods."},
    {"name": "incidents", "description": "Automatic incidents from ingested states."},
    {"name": "SLAs", "description": "SLA definitions, assignment rules, period results."},
    {"name": "SLOs", "description": "SLOs, error budgets, burn rates, alert policies."},
    {"name": "reports", "description": "Daily reports and the dashboard's figures."},
    {"name": "notifications", "description": "Webhook endpoints and email recipients."},
    {"name": "status pages", "description": "Public status pages, incidents, maintenance."},
    {"name": "audit", "description": "Who changed what, when, values before and after."},
    {
        "name": "agreements",
        "description": "Agreements on live metrics (PromQL guarantees, x/y/z levels, "
        "violations, KPIs) and the context values that resolve their scopes.",
    },
]
