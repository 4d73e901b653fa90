"""Reads of the agreements app: agreements of an account, newest context values, due
agreements, violations."""

from agreements.models import Agreement, Context, State, Violation


def agreements_of(*, account):
    """The account's agreements with what their payloads need, in creation order."""
    return (
        Agreement.objects.for_account(account)
        .select_related("source", "service")
        .prefetch_related("guarantees")
        .order_by("created_at", "pk")
    )


def agreement_by_id(*, account, agreement_id: str) -> Agreement | None:
    """An agreement of the account by its agreement id (or None: another account's is
    never found)."""
    return agreements_of(account=account).filter(agreement_id=agreement_id).first()


def newest_contexts(*, account, names, agent_id: str = "") -> dict[str, dict]:
    """The newest value of each context name (of one agent when ``agent_id`` is given)."""
    rows = Context.objects.for_account(account).filter(name__in=set(names))
    if agent_id:
        rows = rows.filter(agent_id=agent_id)
    newest: dict[str, dict] = {}
    for name, values in rows.order_by("name", "-updated_at", "-pk").values_list("name", "values"):
        newest.setdefault(name, values)
    return newest


def due_account_ids(*, now) -> list[int]:
    """Accounts with a started agreement due at ``now``."""
    due = Agreement.objects.filter(state=State.STARTED, next_due_at__lte=now)
    return sorted(set(due.values_list("account_id", flat=True)))


def violations_of(*, account, agreement: Agreement | None = None):
    rows = Violation.objects.for_account(account).select_related("guarantee", "agreement")
    if agreement is not None:
        rows = rows.filter(agreement=agreement)
    return rows.order_by("-at", "-pk")


LEVEL_ORDER = ["Critical", "Broken", "Met", "Unknown"]
STATE_CLASS = {"Met": "OK", "Broken": "WARN", "Critical": "CRIT", "Unknown": "UNKNOWN"}


def agreements_panel(*, account, latest: int = 8) -> dict:
    """The dashboard panel: live agreements by level (worst first) and the latest
    violations."""
    from django.db.models import Count

    counts = dict(
        Agreement.objects.for_account(account)
        .filter(state=State.STARTED)
        .values_list("level")
        .annotate(total=Count("pk"))
        .values_list("level", "total")
    )
    by_level = [(level, STATE_CLASS[level], counts.get(level, 0)) for level in LEVEL_ORDER]
    others = Agreement.objects.for_account(account).exclude(state=State.STARTED).values("state")
    return {
        "by_level": by_level,
        "started": sum(counts.values()),
        "not_started": others.count(),
        "violations": list(violations_of(account=account)[:latest]),
    }


def level_timeline(*, agreement, start, end) -> list[tuple[float, float, str, str]]:
    """(x, width in %, level, state class) segments of the agreement's level from
    ``start`` to ``end``, from its level changes."""
    changes = list(agreement.level_changes.filter(at__lt=end).order_by("at", "pk"))
    level = "Unknown"
    segments, cursor = [], start
    span = (end - start).total_seconds()
    for change in changes:
        if change.at <= start:
            level = change.level
            continue
        segments.append((cursor, change.at, level))
        cursor, level = change.at, change.level
    segments.append((cursor, end, level))
    return [
        (
            round((begin - start).total_seconds() / span * 100, 3),
            round((finish - begin).total_seconds() / span * 100, 3),
            name,
            STATE_CLASS[name],
        )
        for begin, finish, name in segments
        if finish > begin
    ]
