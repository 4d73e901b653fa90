"""Sources and query checks: saving a source (and switching the account's default), the
connection test, queries tried on the source before they are saved, the PromQL settings of
an SLO saved with it."""

import datetime as dt
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from integrations.prometheus.client import PrometheusError, PrometheusResultError, client_for_source
from integrations.prometheus.models import PrometheusSource, PromQLSLI
from integrations.prometheus.promql import WINDOW_PLACEHOLDER, counting_query
from integrations.prometheus.services.sli import sli_reset


class QueryProblem(Exception):
    """A query (or the source) failed its check; ``field`` names what to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _require_own(account, source: PrometheusSource) -> None:
    """A source is only ever saved or checked through its own account (not an assert:
    `python -O` would drop a tenancy check)."""
    if source.account_id != account.pk:
        raise ValueError("a Prometheus source belongs to another account")


def source_save(*, account, source: PrometheusSource) -> PrometheusSource:
    """Validate and store ``source`` of ``account`` (new or changed). A source saved as the
    default takes over: the account's previous default stops being one in the same
    transaction, so there is never a moment with two (nor a refused switch)."""
    _require_own(account, source)
    with transaction.atomic():
        if source.is_default:
            # Two switches at once would each clear the old default and then collide on the
            # one-default constraint: take turns on the account row. NO KEY: rows being
            # inserted elsewhere that point at the account are not held up.
            list(Account.objects.select_for_update(no_key=True).filter(pk=account.pk))
            PrometheusSource.objects.for_account(account).filter(is_default=True).exclude(
                pk=source.pk
            ).update(is_default=False, updated_at=timezone.now())
        source.full_clean()
        source.save()
    return source


def source_check(*, account, source: PrometheusSource, now: dt.datetime | None = None) -> dict:
    """Run ``vector(1)`` on the source: ``{"ok": True, "version"}`` or ``{"ok": False,
    "error"}``; the outcome is kept on the source (last check)."""
    _require_own(account, source)
    now = now or timezone.now()
    try:
        with client_for_source(source) as client:
            outcome = client.check()
        message = f"Prometheus {outcome['version']}"
    except PrometheusError as error:
        outcome = {"ok": False, "error": str(error)}
        message = str(error)
    PrometheusSource.objects.filter(pk=source.pk).update(
        last_check_at=now, last_check_ok=outcome["ok"], last_check_message=message[:1000]
    )
    return outcome


def _hint(query: str, error: PrometheusError) -> str:
    text = str(error)
    if WINDOW_PLACEHOLDER not in query and "parse error" in text:
        text += (
            ' Give a series selector (e.g. http_requests_total{code=~"5.."}), or a whole '
            "expression that counts per window using {{window}}."
        )
    return text


def queries_check(
    *, source: PrometheusSource, queries: dict[str, str], one_series: bool, texts=None
) -> None:
    """Try each query (as it will be counted) on the source now; raise QueryProblem naming
    the field of the first that fails (the source itself: field ``source``). ``texts``: the
    queries as the user wrote them (for hints), when ``queries`` wraps them."""
    texts = texts or {}
    try:
        client = client_for_source(source)
    except PrometheusError as error:  # pragma: no cover - building a client does no I/O
        raise QueryProblem("source", str(error)) from None
    with client:
        try:
            client.instant("vector(1)")
        except PrometheusError as error:
            raise QueryProblem("source", f"the source does not answer: {error}") from None
        for field, query in queries.items():
            if not query:
                continue
            try:
                result = client.instant(query)
                if one_series:
                    result.one()
            except PrometheusResultError as error:
                raise QueryProblem(field, str(error)) from None
            except PrometheusError as error:
                raise QueryProblem(field, _hint(texts.get(field, query), error)) from None


def sli_queries_check(*, source, good_query: str, bad_query: str, total_query: str) -> None:
    queries = {
        "good_query": good_query,
        "bad_query": bad_query,
        "total_query": total_query,
    }
    counted = {field: counting_query(text, "5m") if text else "" for field, text in queries.items()}
    queries_check(source=source, queries=counted, one_series=True, texts=queries)


def promql_sli_save(*, account, slo, data: dict, created: bool) -> PromQLSLI:
    """Create or change the PromQL settings of ``slo`` (inside the SLO's transaction). New
    or changed queries or source forget what was fetched and backfill the window again
    (after the commit, on a worker)."""
    sli = PromQLSLI.objects.for_account(account).filter(slo=slo).first()
    fields = {
        "source": data["source"],
        "good_query": (data.get("good_query") or "").strip(),
        "bad_query": (data.get("bad_query") or "").strip(),
        "total_query": (data.get("total_query") or "").strip(),
    }
    changed = sli is None or any(
        getattr(sli, name if name != "source" else "source_id")
        != (value.pk if name == "source" else value)
        for name, value in fields.items()
    )
    if sli is None:
        sli = PromQLSLI(account=account, slo=slo)
    for name, value in fields.items():
        setattr(sli, name, value)
    sli.full_clean()
    sli.save()
    if changed:
        sli_reset(account=account, slo_id=slo.pk)
        transaction.on_commit(partial(_backfill_soon, slo.pk), robust=True)
    return sli


def _backfill_soon(slo_id: int) -> None:
    from integrations.prometheus.tasks import promql_backfill

    promql_backfill.delay(slo_id)
