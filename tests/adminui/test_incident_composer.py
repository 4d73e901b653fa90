"""Issue 20, item 4: publishing starts from the automatic incident; the timeline is newest
first with "now" proposed; resolving puts the components back to operational and says
plainly what live monitoring still shows; status events newest first, by service/state."""

import datetime as dt

import pytest
from django.utils import timezone

from statuspage.models import PublicIncident, PublicIncidentComponent
from tests.factories import AccountFactory, IncidentFactory, ServiceFactory, StatusEventFactory

pytestmark = pytest.mark.django_db


def _results(page: str) -> str:
    """The change list's table only (the filters beside it name every choice)."""
    return page.split('id="result_list"')[1].split("</table>")[0]


@pytest.fixture
def automatic(operator):
    return IncidentFactory(
        account=operator.account,
        service=operator.service,
        started_at=timezone.now() - dt.timedelta(minutes=30),
        ended_at=None,
        state="CRIT",
    )


def test_publish_from_the_incidents_list_marks_published_ones(operator_client, automatic):
    other = IncidentFactory(account=AccountFactory(), started_at=timezone.now())
    listing = operator_client.get("/admin/sla/incident/").content.decode()
    assert "not published" in listing and 'value="publish"' in listing
    response = operator_client.post(
        "/admin/sla/incident/",
        {"action": "publish", "_selected_action": [automatic.pk, other.pk]},
        follow=True,
    )
    assert "Published 1 public incident(s)." in response.content.decode()
    public = PublicIncident.objects.get()
    assert public.source_incident == automatic and public.name == "Checkout: outage"
    listing = operator_client.get("/admin/sla/incident/?published=yes").content.decode()
    assert f'href="/admin/statuspage/publicincident/{public.pk}/change/">Acme</a>' in listing
    assert "not published" not in _results(listing)
    candidates = operator_client.get(
        "/admin/statuspage/publicincident/publish-automatic/"
    ).content.decode()
    assert f'value="{automatic.pk}"' not in candidates
    assert "No unpublished automatic incidents" in candidates


def test_publish_button_on_the_incident_page(operator_client, automatic):
    page = operator_client.get(f"/admin/sla/incident/{automatic.pk}/change/").content.decode()
    assert "Publish on the status page" in page
    response = operator_client.post(f"/admin/sla/incident/{automatic.pk}/publish/")
    public = PublicIncident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/statuspage/publicincident/{public.pk}/change/"
    page = operator_client.get(f"/admin/sla/incident/{automatic.pk}/change/").content.decode()
    assert "Published on the status page" in page and "Publish on the status page" not in page
    assert operator_client.get(f"/admin/sla/incident/{automatic.pk}/publish/").status_code == 405


def _change_form(public, operator, *entries, set_operational=True) -> dict:
    start = timezone.localtime(public.started_at, timezone=_berlin())
    data = {
        "account": operator.account.pk,
        "page": public.page_id,
        "name": public.name,
        "impact": public.impact,
        "started_at_0": start.strftime("%Y-%m-%d"),
        "started_at_1": start.strftime("%H:%M:%S"),
        "follow_source": "",
        "affected-TOTAL_FORMS": "0",
        "affected-INITIAL_FORMS": "0",
        "updates-TOTAL_FORMS": str(len(entries)),
        "updates-INITIAL_FORMS": "0",
    }
    if set_operational:
        data["set_operational"] = "on"
    for index, (status, body, at) in enumerate(entries):
        local = timezone.localtime(at, timezone=_berlin())
        data.update(
            {
                f"updates-{index}-status": status,
                f"updates-{index}-body": body,
                f"updates-{index}-display_at_0": local.strftime("%Y-%m-%d"),
                f"updates-{index}-display_at_1": local.strftime("%H:%M:%S"),
            }
        )
    return data


def _berlin():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


def test_timeline_newest_first_now_proposed_and_resolving(operator_client, operator, automatic):
    operator_client.post(f"/admin/sla/incident/{automatic.pk}/publish/")
    public = PublicIncident.objects.get()
    url = f"/admin/statuspage/publicincident/{public.pk}/change/"
    page = operator_client.get(url).content.decode()
    today = timezone.localtime(timezone=_berlin()).strftime("%Y-%m-%d")
    assert f'name="updates-1-display_at_0" value="{today}"' in page  # the new entry: now
    assert "Resolving sets the components back to operational" in page
    update_at = timezone.now() - dt.timedelta(minutes=1)
    response = operator_client.post(
        url, _change_form(public, operator, ("identified", "Found it.", update_at))
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    page = operator_client.get(url).content.decode()
    assert page.index("Found it.") < page.index("We are investigating this issue.")
    response = operator_client.post(
        url,
        _change_form(public, operator, ("resolved", "Fixed.", timezone.now())),
        follow=True,
    )
    text = response.content.decode()
    assert "the affected components are operational on the incident" in text
    assert "Still shown as down by live monitoring until their service recovers" not in text
    link = PublicIncidentComponent.objects.get(incident=public)
    assert link.status == "operational"


def test_resolving_says_what_live_monitoring_still_shows(operator_client, operator, automatic):
    operator.service.current_state = "CRIT"
    operator.service.save()
    operator_client.post(f"/admin/sla/incident/{automatic.pk}/publish/")
    public = PublicIncident.objects.get()
    response = operator_client.post(
        "/admin/statuspage/publicincident/",
        {"action": "resolve_incidents", "_selected_action": [public.pk]},
        follow=True,
    )
    assert "component shows its live monitoring state" in response.content.decode()
    assert PublicIncidentComponent.objects.get(incident=public).status == "operational"
    public.refresh_from_db()
    assert public.status == "resolved"


def test_status_events_newest_first_by_service_and_state(operator_client, operator):
    other = ServiceFactory(account=operator.account, path="shop/search")
    base = timezone.now() - dt.timedelta(hours=3)
    for minutes, service, state in ((0, operator.service, "OK"), (60, other, "CRIT")):
        StatusEventFactory(
            account=operator.account,
            service=service,
            at=base + dt.timedelta(minutes=minutes),
            state=state,
        )
    listing = operator_client.get("/admin/sla/statusevent/").content.decode()
    rows = _results(listing)
    assert rows.index("shop/search") < rows.index("shop/checkout</")
    filtered = operator_client.get(
        f"/admin/sla/statusevent/?service={other.pk}&state__exact=CRIT"
    ).content.decode()
    assert "shop/checkout</" not in _results(filtered) and "shop/search</" in _results(filtered)
    assert f'?service={other.pk}"' in listing or f"service={other.pk}" in listing
