"""Outside systems, one package each, each its own Django app.

Every sub-package is an app of its own (``AppConfig.name = "integrations.<package>"``,
``label = "<package>"``) with the usual inner layout (models, services, selectors, api,
admin, tasks), so its tables and migrations never collide with another integration's:

- ``integrations.prometheus``: Prometheus sources and query client, PromQL SLIs, status
  rules, the Alertmanager receiver, ``/metrics`` and generated rules for Grafana.
- ``integrations.vector``: the endpoint Vector's ``http`` sink posts nginx records to.
- ``integrations.federation``: the plugin-to-portal push between two deployments.
- ``integrations.channels``: Slack, Microsoft Teams and PagerDuty notification channels.

An integration speaks to the core only through ``sla`` and ``reporting`` services: status
changes become status events through ``sla.services.ingest`` (one way in), notifications
become outbox deliveries (one way out).
"""
