"""The allowed downtime next to each SLA figure of the public page: a title tooltip and the
same text for keyboard focus and screen readers, no JavaScript."""

import datetime as dt
import html as html_lib
import re

import pytest

from tests.factories import (
    AccountFactory,
    AssignmentRuleFactory,
    PeriodResultFactory,
    ServiceFactory,
    SLADefinitionFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def _page_with_figure(language, target, comparison="min", state="OK"):
    account = AccountFactory(slug="acme", timezone="Europe/Berlin")
    page = StatusPageFactory(account=account, slug="acme", language=language)
    service = ServiceFactory(account=account, path="shop/api")
    StatusPageComponentFactory(account=account, page=page, service=service, name="Shop API")
    sla = SLADefinitionFactory(
        account=account,
        requirements=[
            {"title": "Figure", "state": state, "comparison": comparison, "target": target}
        ],
    )
    AssignmentRuleFactory(account=account, sla=sla, path_glob=service.path)
    PeriodResultFactory(
        account=account,
        sla=sla,
        service=service,
        period_start=dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC),
        period_end=dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC),
        complete=False,
        state="OK",
        result={
            "requirements": [
                {
                    "title": "Figure",
                    "kind": "percentage",
                    "value": 99.97 if comparison == "min" else 0.4,
                    "target": target,
                    "comparison": comparison,
                    "state": "OK",
                }
            ]
        },
    )
    return page


def _tooltip(client) -> tuple[str, str]:
    html = client.get("/status/acme/").content.decode()
    assert "<script" not in html
    found = re.search(
        r'<p class="sla-nines"><span class="nines" tabindex="0" title="([^"]*)">([^<]*)'
        r'<span class="tip"> ([^<]*)</span></span></p>',
        html,
    )
    assert found, html[:2000]
    title, label, tip = (html_lib.unescape(group) for group in found.groups())
    assert title == tip  # hover (title) and focus/screen readers say the same
    return label, title


def test_the_sla_figure_has_its_allowed_downtime_as_a_tooltip(client):
    _page_with_figure("en", 99.95)
    label, text = _tooltip(client)
    assert label == "allowed downtime"
    assert text == (
        "99.95% allows at most 4 h 22 min 48 s a year (365 days), 1 h 5 min 44.7 s a quarter "
        "(91.3125 days), 21 min 54.9 s a month (30.4375 days), 5 min 2.4 s a week, 43.2 s a "
        "day, 1.8 s an hour."
    )


def test_an_at_most_figure_allows_its_share_in_german(client):
    _page_with_figure("de", 1, comparison="max", state="CRIT")
    label, text = _tooltip(client)
    assert label == "erlaubte Ausfallzeit"
    assert text.startswith("Ein Höchstwert von 1% erlaubt höchstens 3 d 15 h 36 min pro Jahr")
    assert "7 h 18 min 18 s pro Monat (30,4375 Tage)" in text
