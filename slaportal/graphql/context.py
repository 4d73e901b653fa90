"""What every resolver of a request shares: the token's account, one `now`, caches."""

import datetime as dt
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse

from accounts.features import sla_enabled
from sla.models import ServiceGroup
from slaportal.graphql.errors import plugin_disabled


@dataclass
class GraphQLContext:
    """The request's account (from its Bearer token only), the instant the answer is
    computed at, and the account's SLA groups loaded once on first use."""

    request: HttpRequest
    response: HttpResponse
    account: object
    now: dt.datetime
    _groups: dict | None = field(default=None, repr=False)

    def require_sla(self) -> None:
        """The SLA feature gate of gated fields: PLUGIN_DISABLED when the account's SLA
        features are off (the same one function the REST API and dashboard ask)."""
        if not sla_enabled(self.account):
            raise plugin_disabled()

    def group(self, group_id: int | None):
        """An SLA group of the account by id (one query for all of them, on first use)."""
        from slaportal.graphql.types_objects import SlaGroup

        if group_id is None:
            return None
        if self._groups is None:
            self._groups = {
                group.pk: SlaGroup.from_model(group)
                for group in ServiceGroup.objects.for_account(self.account)
            }
        return self._groups.get(group_id)
