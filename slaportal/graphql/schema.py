"""The GraphQL schema at /graphql: the ITOps plugin's SLA queries (`slaDashboardStats`,
`slaPeriodResults`, `slaTrendData`) and the reads next to them.

Gated fields (every SLA read, as over REST) answer a `PLUGIN_DISABLED` error when the
account's SLA features are off; `incidents` and `incident` are not gated (as over REST).
Root fields are nullable so that one field's error leaves the others' data intact.
`schema.graphql` at the repository root is this schema printed (`manage.py
graphql_schema`); a test fails when it is stale.

Executed by `execution.PlainTreeExecutor` (plain fields without graphql-core's per-field
machinery, same answers) with `execution.field_value` as the default resolver (dict keys
or attributes).
"""

import datetime as dt
import logging
from pathlib import Path
from typing import Annotated

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from slaportal.graphql import resolvers
from slaportal.graphql import types_objects as objects
from slaportal.graphql import types_sla as sla_types
from slaportal.graphql.errors import EXPECTED_CODES
from slaportal.graphql.execution import PlainTreeExecutor, field_value
from slaportal.graphql.limits import QueryLimits

logger = logging.getLogger("slaportal.graphql")

First = Annotated[
    int | None, strawberry.argument(description="page size (default GRAPHQL_DEFAULT_PAGE_SIZE)")
]
After = Annotated[str | None, strawberry.argument(description="endCursor of the previous page")]


@strawberry.type
class Query:
    @strawberry.field(description="Services by state, open incidents, SLAs at risk, burn leaders")
    def sla_dashboard_stats(self, info: Info) -> sla_types.SlaDashboardStats | None:
        info.context.require_sla()
        return resolvers.dashboard_stats(info.context)

    @strawberry.field(
        description="Rule-assigned services (by path) with their SLA's last N periods, "
        "as REST dashboard/period-results"
    )
    def sla_period_results(
        self,
        info: Info,
        last: int = 6,
        sla: int | None = None,
        first: First = None,
        after: After = None,
    ) -> sla_types.SlaPeriodResults | None:
        info.context.require_sla()
        return resolvers.period_results(info.context, last=last, sla=sla, first=first, after=after)

    @strawberry.field(description="Daily uptime of SLA groups over the last N days")
    def sla_trend_data(
        self, info: Info, group: int | None = None, days: int = 30
    ) -> sla_types.SlaTrendData | None:
        info.context.require_sla()
        return resolvers.trend_data(info.context, group=group, days=days)

    @strawberry.field(description="Services with their current state and SLA group")
    def services(
        self,
        info: Info,
        path: str | None = None,
        path_prefix: str | None = None,
        state: str | None = None,
        label: Annotated[str | None, strawberry.argument(description="key=value")] = None,
        group: int | None = None,
        first: First = None,
        after: After = None,
    ) -> objects.ServiceConnection | None:
        info.context.require_sla()
        filters = {
            "path": path,
            "path_prefix": path_prefix,
            "state": state,
            "label": label,
            "group": group,
        }
        return resolvers.services(info.context, filters=filters, first=first, after=after)

    @strawberry.field
    def service(self, info: Info, id: int) -> objects.Service | None:
        info.context.require_sla()
        return resolvers.service(info.context, service_id=id)

    @strawberry.field(description="SLA groups (service groups)")
    def sla_groups(
        self, info: Info, first: First = None, after: After = None
    ) -> objects.SlaGroupConnection | None:
        info.context.require_sla()
        return resolvers.sla_groups(info.context, first=first, after=after)

    @strawberry.field(description="Incidents, newest first, with the REST list's filters")
    def incidents(
        self,
        info: Info,
        service: int | None = None,
        group: int | None = None,
        state: Annotated[str | None, strawberry.argument(description="worst state")] = None,
        open: bool | None = None,
        start: Annotated[
            dt.datetime | None,
            strawberry.argument(name="from", description="overlapping [from, to)"),
        ] = None,
        end: Annotated[dt.datetime | None, strawberry.argument(name="to")] = None,
        first: First = None,
        after: After = None,
    ) -> objects.IncidentConnection | None:
        filters = {
            "service": service,
            "group": group,
            "state": state,
            "open": open,
            "start": start,
            "end": end,
        }
        return resolvers.incidents(info.context, filters=filters, first=first, after=after)

    @strawberry.field
    def incident(self, info: Info, id: int) -> objects.Incident | None:
        return resolvers.incident(info.context, incident_id=id)

    @strawberry.field(description="SLOs with their current budget and burn rates")
    def slos(
        self,
        info: Info,
        service: int | None = None,
        group: int | None = None,
        sli_kind: str | None = None,
        first: First = None,
        after: After = None,
    ) -> objects.SloConnection | None:
        info.context.require_sla()
        filters = {"service": service, "group": group, "sli_kind": sli_kind}
        return resolvers.slos(info.context, filters=filters, first=first, after=after)

    @strawberry.field
    def slo(self, info: Info, id: int) -> objects.Slo | None:
        info.context.require_sla()
        return resolvers.slo(info.context, slo_id=id)

    @strawberry.field(description="Daily reports, newest first, with their file links")
    def daily_reports(
        self,
        info: Info,
        day: dt.date | None = None,
        first: First = None,
        after: After = None,
    ) -> objects.DailyReportConnection | None:
        info.context.require_sla()
        return resolvers.daily_reports(info.context, day=day, first=first, after=after)


class PortalSchema(strawberry.Schema):
    """Logs unexpected errors only: a client's bad query or a disabled plugin is an
    answer, not a server failure."""

    def process_errors(self, errors, execution_context=None) -> None:
        unexpected = [
            error for error in errors if (error.extensions or {}).get("code") not in EXPECTED_CODES
        ]
        for error in unexpected:
            if error.original_error is not None:
                logger.error("GraphQL resolver failed: %s", error.message, exc_info=error)
            else:
                logger.info("GraphQL request refused: %s", error.message)


def is_unexpected(error: GraphQLError) -> bool:
    """A resolver's crash (not one of our GraphQL errors): its text stays in the log."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def masked_errors() -> MaskErrors:
    return MaskErrors(should_mask_error=is_unexpected, error_message="internal_error")


schema = PortalSchema(
    query=Query,
    extensions=[QueryLimits, masked_errors],
    execution_context_class=PlainTreeExecutor,
    config=StrawberryConfig(default_resolver=field_value),
)

SCHEMA_FILE = Path(settings.BASE_DIR) / "schema.graphql"


def schema_text() -> str:
    """The schema in SDL, as schema.graphql holds it."""
    return schema.as_str() + "\n"
