"""The ``prometheus`` SLI kind, registered with the SLO code (sla.sli_kinds)."""

from integrations.prometheus.selectors import promql_settings, promql_slots, promql_statuses
from integrations.prometheus.services.sli import STORED_PER_EVENT
from sla.sli_kinds import SLIKindPlugin, register


def _serializer():
    from integrations.prometheus.serializers import PromQLSLISerializer

    return PromQLSLISerializer


def _save(*, account, slo, data, created):
    from integrations.prometheus.services.sources import promql_sli_save

    promql_sli_save(account=account, slo=slo, data=data, created=created)


def _inline():
    from integrations.prometheus.admin import PromQLSLIInline

    return PromQLSLIInline


def register_sli_kind() -> None:
    register(
        SLIKindPlugin(
            kind="prometheus",
            unit="events",
            stored_per_unit=STORED_PER_EVENT,
            slots=promql_slots,
            api_field="prometheus",
            api_serializer=_serializer,
            save=_save,
            represent=promql_settings,
            statuses=promql_statuses,
            admin_inline=_inline,
        )
    )
