"""The SLA detail page: several periods chosen at once (highlighted, combined figures) and
timeline spans that name their class, start, end and duration on hover."""

import datetime as dt

import pytest
import time_machine

from tests.factories import ServiceFactory
from tests.sla.sla_rows import sla_from_json, store_events

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 3, 7, 12, tzinfo=dt.UTC)
DAILY = {
    "period": "daily",
    "requirements": [
        {"title": "OK 99", "kind": "percentage", "state": "OK", "comparison": "min", "target": 99},
        {"title": "CRIT outages", "kind": "outages", "state": "CRIT", "max_count": 0,
         "min_duration_seconds": 0},
    ],
}  # fmt: skip


def _page(client, tenants, query):
    service = ServiceFactory(account=tenants.a, path="pay/api")
    sla = sla_from_json(tenants.a, DAILY)
    store_events(
        tenants.a,
        service,
        [
            {"at": "2024-03-01T00:00:00Z", "state": "OK"},
            {"at": "2024-03-04T10:00:00Z", "state": "CRIT"},  # 24 min: 98.33% broken
            {"at": "2024-03-04T10:24:00Z", "state": "OK"},
            {"at": "2024-03-06T10:00:00Z", "state": "CRIT"},  # 10 min: 99.31% met
            {"at": "2024-03-06T10:10:00Z", "state": "OK"},
        ],
    )
    client.force_login(tenants.member_a)
    with time_machine.travel(NOW, tick=False):
        response = client.get(
            f"/dashboard/services/{service.pk}/sla/?sla={sla.pk}&periods=4{query}"
        )
    assert response.status_code == 200
    return response.content.decode()


def test_several_periods_are_highlighted_and_combined(client, tenants):
    # periods 0..3 are 03-04 .. 03-07; choose 03-04 and 03-06
    html = _page(client, tenants, "&period=0&period=2")
    table = html.split('id="sla-results"')[1].split("</table>")[0]
    head, body = table.split("</thead>")
    assert head.count('class="sla-selected"') == 2 and "2 periods combined" in head
    assert head.count("checked") == 2
    rows = body.split('class="sla-requirement-row"')[1:]
    assert all(row.count('class="sla-selected"') == 2 for row in rows)
    # together: 34 min CRIT of 48 h = 98.819...%: broken; two outages
    assert '<td class="sla-combined"><span class="sla-cell sla-BROKEN"' in rows[0]
    assert "98.81%" in rows[0]
    assert "2 outage(s) in 2 periods" in rows[1]
    # the timeline shows the last chosen period (03-06)
    assert "Period 2024-03-06" in html


def test_one_period_has_no_combined_column_and_spans_say_what_they_are(client, tenants):
    html = _page(client, tenants, "&period=2")
    assert "periods combined" not in html
    timelines = html.split('class="sla-bar sla-class-timeline"')
    assert len(timelines) == 3  # one per requirement
    assert (
        "<title>CRIT 2024-03-06 10:00:00 UTC – 2024-03-06 10:10:00 UTC (10 min)</title>"
        in timelines[1]
    )
    raw = html.split('id="sla-timeline"')[1].split("</svg>")[0]
    assert "(10 min)</title>" in raw
