"""Benchmark data for the daily report and the dashboard: one account with 1,000 services in
20 SLA groups and 30 days of history, written with COPY (setup, never timed).

Per service: hourly heartbeat events (the state in force) and 0-6 bad spells (CRIT or WARN,
5-120 minutes), one incident per spell, daily uptime rows per local day computed from the
spells; group daily rows; downtimes (one-off, weekly per group, account-wide weekly);
three SLAs assigned by rules (monthly with two requirements, weekly in business hours,
daily), a group SLA; 100 time-SLI SLOs with 30 days of synthetic hour and day buckets; the
current period results of every service (what the 5-minute job stores).
"""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from bench.common import copy_rows, fresh_data

ZONE_NAME = "Europe/Berlin"
SLUG = "bench-reports"
BUSINESS_HOURS = {
    day: ["08:00-18:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
}
SLOTS = 12
SLOT_US = 300_000_000


def _fresh_account():
    from accounts.models import Account

    fresh_data()
    return Account.objects.create(name="Bench Reports – Zürich", slug=SLUG, timezone=ZONE_NAME)


def _spells(rng: random.Random, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    span = int((end - start).total_seconds())
    spells = []
    for _ in range(rng.randint(0, 6)):
        state = rng.choice(["CRIT", "CRIT", "WARN"])
        begin = start + dt.timedelta(seconds=rng.randrange(3600, span - 7200))
        begin = begin.replace(second=0, microsecond=0)
        length = dt.timedelta(minutes=rng.randint(5, 120))
        if all(begin >= other[1] or begin + length <= other[0] for other in spells):
            spells.append((begin, begin + length, state))
    return sorted(spells)


def _state_at(spells, instant) -> str:
    return next((state for begin, end, state in spells if begin <= instant < end), "OK")


def _local_days(now: dt.datetime, days: int) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    zone = ZoneInfo(ZONE_NAME)
    today = now.astimezone(zone).date()
    bounds = []
    for offset in range(days, -1, -1):
        day = today - dt.timedelta(days=offset)
        start = dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        bounds.append((day, start, min(end.astimezone(dt.UTC), now)))
    return bounds


def _seconds_by_day(spells, days) -> dict:
    figures = {}
    for day, start, end in days:
        length = max(0.0, (end - start).total_seconds())
        bad = {"CRIT": 0.0, "WARN": 0.0}
        for begin, finish, state in spells:
            overlap = (min(finish, end) - max(begin, start)).total_seconds()
            if overlap > 0:
                bad[state] += overlap
        figures[day] = (length - bad["CRIT"] - bad["WARN"], bad["WARN"], bad["CRIT"])
    return figures


def _history(account, services, now, days, rng):
    """Events, incidents and daily rows of every service; returns group sums per day."""
    start = now - dt.timedelta(days=days + 1)
    local_days = _local_days(now, days)
    events, incidents, daily = [], [], []
    group_sums: dict = {}
    stamp = now.isoformat()
    for service in services:
        spells = _spells(rng, start, now)
        instants = {start + dt.timedelta(hours=hour) for hour in range(days * 24 + 24)}
        instants |= {begin for begin, _, _ in spells} | {end for _, end, _ in spells}
        for index, instant in enumerate(sorted(value for value in instants if value < now)):
            state = _state_at(spells, instant)
            key = f"b:{service.pk}:{index}"
            events.append(
                [str(account.pk), str(service.pk), instant.isoformat(), state, "", key, stamp]
            )
        for begin, end, state in spells:
            ended = end.isoformat() if end <= now else None
            current = "OK" if end <= now else state
            incidents.append(
                [
                    str(account.pk),
                    str(service.pk),
                    None,
                    begin.isoformat(),
                    ended,
                    state,
                    current,
                    stamp,
                ]
            )
        for day, (ok, warn, crit) in _seconds_by_day(spells, local_days).items():
            daily.append(
                [
                    str(account.pk),
                    str(service.pk),
                    None,
                    day.isoformat(),
                    *map(str, (ok, warn, crit, 0.0, 0.0, 0.0)),
                ]
            )
            sums = group_sums.setdefault((service.group_id, day), [0.0, 0.0, 0.0, 0])
            sums[0], sums[1], sums[2], sums[3] = (
                sums[0] + ok,
                sums[1] + warn,
                sums[2] + crit,
                sums[3] + 1,
            )
    return events, incidents, daily, group_sums


def _write_history(account, events, incidents, daily, group_sums) -> dict:
    seconds = [
        "seconds_ok",
        "seconds_warn",
        "seconds_crit",
        "seconds_unknown",
        "seconds_unmonitored",
        "seconds_downtime",
    ]
    for (group_id, day), (ok, warn, crit, members) in group_sums.items():
        daily.append(
            [
                str(account.pk),
                None,
                str(group_id),
                day.isoformat(),
                str(ok / members),
                str(warn / members),
                str(crit / members),
                "0",
                "0",
                "0",
            ]
        )
    return {
        "events": copy_rows(
            "sla_statusevent",
            ["account_id", "service_id", "at", "state", "message", "dedup_key", "received_at"],
            events,
        ),
        "incidents": copy_rows(
            "sla_incident",
            [
                "account_id",
                "service_id",
                "group_id",
                "started_at",
                "ended_at",
                "worst_state",
                "state",
                "updated_at",
            ],
            incidents,
        ),
        "daily rows": copy_rows(
            "sla_dailyuptime", ["account_id", "service_id", "group_id", "day", *seconds], daily
        ),
    }


def _slas(account, groups):
    from sla.models import AssignmentRule, Requirement, RuleTarget, SLADefinition, TimePeriod

    hours = TimePeriod.objects.create(
        account=account, name="Business hours", definition=BUSINESS_HOURS
    )
    specs = [
        (
            "Gold 99.9% monthly",
            "monthly",
            None,
            "team-0[0-6]/*",
            [
                {
                    "title": "Availability >= 99.9%",
                    "kind": "percentage",
                    "state": "OK",
                    "comparison": "min",
                    "target": 99.9,
                    "level_warn": 50,
                    "level_crit": 10,
                },
                {
                    "title": "At most 3 outages >= 5 min",
                    "kind": "outages",
                    "state": "CRIT",
                    "max_count": 3,
                    "min_duration_seconds": 300,
                },
            ],
        ),
        (
            "Business hours 99.5% weekly",
            "weekly",
            hours,
            "team-0[7-9]/*",
            [
                {
                    "title": "Availability in business hours",
                    "kind": "percentage",
                    "state": "OK",
                    "comparison": "min",
                    "target": 99.5,
                    "level_warn": 50,
                    "level_crit": 20,
                },
            ],
        ),
        (
            "Internal 99% daily",
            "daily",
            None,
            "*",
            [
                {
                    "title": "Availability >= 99%",
                    "kind": "percentage",
                    "state": "OK",
                    "comparison": "min",
                    "target": 99.0,
                },
            ],
        ),
    ]
    slas = []
    for position, (title, period, time_period, glob, requirements) in enumerate(specs):
        sla = SLADefinition.objects.create(
            account=account, title=title, period=period, timezone=ZONE_NAME, time_period=time_period
        )
        for index, fields in enumerate(requirements):
            Requirement.objects.create(account=account, sla=sla, position=index, **fields)
        AssignmentRule.objects.create(
            account=account, sla=sla, position=position * 10, path_glob=glob
        )
        slas.append(sla)
    AssignmentRule.objects.create(
        account=account, sla=slas[0], position=100, target=RuleTarget.GROUP, path_glob="group-0*"
    )
    return slas


def _downtimes(account, services, groups, now, days, rng):
    from sla.models import Downtime, Recurrence

    rows = []
    for service in rng.sample(services, 40):
        start = now - dt.timedelta(seconds=rng.randrange(days * 86400))
        rows.append(
            Downtime(
                account=account,
                service=service,
                reason="Patch window – Kernel",
                start=start,
                end=start + dt.timedelta(minutes=rng.randint(15, 120)),
            )
        )
    for group in groups[:5]:
        rows.append(
            Downtime(
                account=account,
                group=group,
                reason="Weekly maintenance",
                start=now - dt.timedelta(days=days + 5),
                recurrence=Recurrence.WEEKLY,
                weekdays=[1, 3],
                time_from=dt.time(2, 0),
                duration_minutes=30,
                timezone=ZONE_NAME,
            )
        )
    rows.append(
        Downtime(
            account=account,
            reason="Network maintenance",
            start=now - dt.timedelta(days=days + 5),
            recurrence=Recurrence.WEEKLY,
            weekdays=[6],
            time_from=dt.time(4, 0),
            duration_minutes=20,
            timezone=ZONE_NAME,
        )
    )
    Downtime.objects.bulk_create(rows)


def _slos(account, services, now, days, rng) -> int:
    from sla.models import SLO

    slos = SLO.objects.bulk_create(
        [
            SLO(
                account=account,
                name=f"{service.path} availability",
                service=service,
                sli_kind="time",
                target="99.9",
                window_days=30,
                buckets_computed_to=now,
            )
            for service in services[:100]
        ]
    )
    first_hour = (now - dt.timedelta(days=days + 1)).replace(minute=0, second=0, microsecond=0)
    hours = int(
        (now.replace(minute=0, second=0, microsecond=0) - first_hour).total_seconds() // 3600
    )
    hour_rows, day_totals = [], {}
    for slo in slos:
        for number in range(hours):
            hour = first_hour + dt.timedelta(hours=number)
            bad = [rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 0, 30_000_000)) for _ in range(SLOTS)]
            goods = [SLOT_US - value for value in bad]
            day = hour.replace(hour=0)
            hour_rows.append(
                [
                    str(account.pk),
                    str(slo.pk),
                    str(sum(goods)),
                    str(SLOTS * SLOT_US),
                    hour.isoformat(),
                    day.isoformat(),
                    *map(str, goods),
                    *[str(SLOT_US)] * SLOTS,
                ]
            )
            good, total = day_totals.get((slo.pk, day), (0, 0))
            day_totals[(slo.pk, day)] = (good + sum(goods), total + SLOTS * SLOT_US)
    columns = [
        "account_id",
        "slo_id",
        "good",
        "total",
        "hour_start",
        "day_start",
        *[f"good_{i}" for i in range(SLOTS)],
        *[f"total_{i}" for i in range(SLOTS)],
    ]
    copy_rows("sla_slohourbucket", columns, hour_rows)
    copy_rows(
        "sla_slodaybucket",
        ["account_id", "slo_id", "good", "total", "day_start"],
        (
            [str(account.pk), str(slo_id), str(good), str(total), day.isoformat()]
            for (slo_id, day), (good, total) in day_totals.items()
        ),
    )
    return len(slos)


def generate(
    *, now: dt.datetime, services: int = 1000, groups: int = 20, days: int = 30, seed: int = 6
):
    """A fresh bench account (every other account is removed); returns (account, figures)."""
    from sla.models import Service, ServiceGroup
    from sla.services.results import period_results_refresh_account

    rng = random.Random(seed)
    account = _fresh_account()
    group_rows = ServiceGroup.objects.bulk_create(
        [
            ServiceGroup(
                account=account, name=f"group-{index:02d}", title=f"Gruppe Nº {index} – Zürich"
            )
            for index in range(groups)
        ]
    )
    per_group = services // groups
    service_rows = Service.objects.bulk_create(
        [
            Service(
                account=account,
                path=f"team-{index // per_group:02d}/svc-{index:04d}",
                name=f"Service {index} – Ærøskøbing",
                group=group_rows[min(index // per_group, groups - 1)],
                current_state=rng.choices(["OK", "WARN", "CRIT", "UNKNOWN"], [95, 3, 1, 1])[0],
                current_state_since=now - dt.timedelta(minutes=rng.randint(1, 5000)),
            )
            for index in range(services)
        ],
        batch_size=1000,
    )
    figures = _write_history(account, *_history(account, service_rows, now, days, rng))
    _downtimes(account, service_rows, group_rows, now, days, rng)
    _slas(account, group_rows)
    figures["slos"] = _slos(account, service_rows, now, days, rng)
    figures["services"] = len(service_rows)
    figures["groups"] = len(group_rows)
    period_results_refresh_account(account=account, now=now)  # what the 5-minute job stores
    return account, figures
