"""Issue 20, done when: an operator's first day, through the browser only.

The eight tasks (a time period with a holiday, an SLA with both requirement kinds, a rule
placed first, a public maintenance, an SLO, a token created and revoked, an automatic
incident published, updated and resolved, two deliberate mistakes), each checked for what
the operator sees, local times on the public page included. The browser runs in
America/New_York on purpose: the operator's zone (Europe/Berlin) comes from the account.
Screenshots: tests/artifacts/adminui/first-day-*.png (not committed).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sla.models import AssignmentRule, Requirement, SLADefinition
from statuspage.models import PublicIncident
from tests.factories import IncidentFactory, SLADefinitionFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BERLIN = ZoneInfo("Europe/Berlin")


def _saved(tab, name: str):
    tab.shot(f"first-day-{name}")
    body = tab.page.inner_text("body")
    assert "successfully" in body, tab.errors() or body[:2000]
    return body


def _time_period_with_a_holiday(tab):
    page = tab.goto("/admin/sla/timeperiod/add/")
    page.fill("#id_name", "Business hours")
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday"):
        page.fill(f"#id_{day}", "08:00-18:00")
    page.fill("#id_exceptions", "2026-12-25:")
    tab.save()
    _saved(tab, "1-time-period")
    assert "2026-12-25 (holiday)" in page.inner_text("#result_list")


def _sla_with_both_kinds(tab):
    page = tab.goto("/admin/sla/sladefinition/add/")
    assert page.locator("#id_timezone").input_value() == "Europe/Berlin"
    page.fill("#id_title", "Gold")
    page.fill("#id_short_interval_seconds", "2 min")
    page.select_option("#id_requirements-0-kind", "percentage")
    first = page.locator("#requirements-0")
    assert first.locator("fieldset.requirement-kind-outages").is_hidden()
    assert first.locator("fieldset.requirement-kind-percentage").is_visible()
    page.fill("#id_requirements-0-title", "Availability")
    page.select_option("#id_requirements-0-comparison", "min")
    page.fill("#id_requirements-0-target", "99.9")
    page.fill("#id_requirements-0-level_warn", "50")
    page.fill("#id_requirements-0-level_crit", "20")
    page.get_by_text("Add another Requirement").click()
    page.select_option("#id_requirements-1-kind", "outages")
    second = page.locator("#requirements-1")
    assert second.locator("fieldset.requirement-kind-percentage").is_hidden()
    page.fill("#id_requirements-1-title", "Few outages")
    page.fill("#id_requirements-1-position", "1")
    page.select_option("#id_requirements-1-state", "CRIT")
    page.fill("#id_requirements-1-max_count", "3")
    page.fill("#id_requirements-1-min_duration_seconds", "10 min")
    tab.shot("first-day-2-sla-form")
    tab.save("input[name=_continue]")
    _saved(tab, "2-sla")
    assert page.locator("#id_requirements-1-min_duration_seconds").input_value() == "10 min"
    assert page.locator("#id_short_interval_seconds").input_value() == "2 min"
    assert Requirement.objects.count() == 2


def _rule_placed_first(tab, operator):
    gold = SLADefinition.objects.get(title="Gold")
    SLADefinitionFactory(account=operator.account, title="Bronze")
    AssignmentRule.objects.create(
        account=operator.account,
        sla=SLADefinition.objects.get(title="Bronze"),
        position=1,
        path_glob="*",
        description="Everything else",
    )
    page = tab.goto("/admin/sla/assignmentrule/add/")
    assert page.locator("#id_position").input_value() == "2"  # proposed last
    assert "the first rule that matches a service assigns its SLA" in page.inner_text("body")
    page.select_option("#id_sla", str(gold.pk))
    page.fill("#id_path_glob", "shop/*")
    page.fill("#id_description", "Shop")
    tab.save()
    body = _saved(tab, "3-rule-saved")
    assert "Rule 2 (Shop) never applies: rule 1 (Everything else) comes before it" in body
    shop = AssignmentRule.objects.get(description="Shop")
    page.click(f"button[name=move][value='{shop.pk}:up']")
    page.wait_for_load_state()
    body = page.inner_text("body")
    tab.shot("first-day-3-rule-first")
    assert "Moved up: rule 1 (Shop)." in body
    assert "rule 2 (Everything else)" in body and "now get Gold from rule 1 (Shop)" in body
    page = tab.goto(f"/admin/sla/service/{operator.service.pk}/sla/")
    assigned = page.inner_text("#sla-assigned-by")
    assert "rule 1 (Shop)" in assigned, assigned
    assert "2 min or less" in page.inner_text("#sla-options")


def _public_maintenance(tab, operator, day: dt.date):
    page = tab.goto("/admin/sla/downtime/add/")
    page.fill("#id_reason", "Database upgrade")
    page.select_option("#id_service", str(operator.service.pk))
    page.check("#id_public")
    page.fill("#id_start_0", day.isoformat())
    page.fill("#id_start_1", "02:00")
    page.fill("#id_end_0", day.isoformat())
    page.fill("#id_end_1", "03:00")
    tab.save()
    _saved(tab, "4-maintenance")
    assert f"{day} 02:00 – 03:00 (Europe/Berlin)" in page.inner_text("#result_list")
    public = tab.goto(f"/status/{operator.page.slug}/")
    item = public.locator("article.impact-maintenance", has_text="Database upgrade")
    times = item.locator("p time").all_inner_texts()[:2]
    assert [text[-5:] for text in times] == ["02:00", "03:00"], times
    tab.shot("first-day-4-public-page")


def _an_slo(tab, operator):
    page = tab.goto("/admin/sla/slo/add/")
    page.fill("#id_name", "Checkout availability")
    page.select_option("#id_service", str(operator.service.pk))
    assert "SLI kind" in page.inner_text("body")
    page.fill("#id_target", "99.9")
    page.select_option("#id_window_kind", "rolling")
    page.fill("#id_window_days", "30")
    tab.save()
    _saved(tab, "5-slo")
    from sla.models import SLO

    slo = SLO.objects.get(name="Checkout availability")
    page = tab.goto(f"/dashboard/slos/{slo.pk}/")
    assert page.locator("#slo-burn-down").is_visible()
    tab.shot("first-day-5-slo-dashboard")


def _token_created_and_revoked(tab):
    page = tab.goto("/admin/accounts/apitoken/add/")
    page.fill("#id_name", "Monitoring agent")
    page.check("input[name=scopes][value=ingest]")
    tab.save()
    secret = page.inner_text("#token-secret")
    assert secret.startswith("slap_"), secret
    assert "This is the only time the secret is shown." in page.inner_text("body")
    page.click("#copy-token")
    page.wait_for_function("document.getElementById('copy-token').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    tab.shot("first-day-6-token-created")
    page.click("#revoke-token")
    page.wait_for_load_state()
    assert "Revoked: this token no longer works." in page.inner_text("body")
    tab.shot("first-day-6-token-revoked")
    page.reload()
    assert page.locator("#token-secret").count() == 0


def _incident_published_updated_resolved(tab, operator):
    automatic = IncidentFactory(
        account=operator.account,
        service=operator.service,
        started_at=timezone.now() - dt.timedelta(minutes=20),
        ended_at=None,
        state="CRIT",
    )
    page = tab.goto("/admin/sla/incident/")
    assert "not published" in page.inner_text("#result_list")
    page.check(f"input[name=_selected_action][value='{automatic.pk}']")
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert "Published 1 public incident(s)." in page.inner_text("body")
    assert "published: Acme" in page.inner_text("#result_list")
    tab.shot("first-day-7-published")
    public = PublicIncident.objects.get(source_incident=automatic)
    page = tab.goto(f"/admin/statuspage/publicincident/{public.pk}/change/")
    today = timezone.localtime(timezone=BERLIN).strftime("%Y-%m-%d")
    assert page.locator("#id_updates-1-display_at_0").input_value() == today  # now
    page.select_option("#id_updates-1-status", "identified")
    page.fill("#id_updates-1-body", "A full disk; we are freeing space.")
    tab.save("input[name=_continue]")
    _saved(tab, "7-updated")
    assert page.locator("#id_updates-0-body").input_value().startswith("A full disk")
    page.select_option("#id_updates-2-status", "resolved")
    page.fill("#id_updates-2-body", "Space freed; checkout works again.")
    assert page.locator("#id_set_operational").is_checked()
    tab.save("input[name=_continue]")
    body = _saved(tab, "7-resolved")
    assert "the affected components are operational on the incident" in body
    public_page = tab.goto(f"/status/{operator.page.slug}/incidents/{public.public_id}")
    assert "Space freed" in public_page.inner_text("body")
    tab.shot("first-day-7-public-incident")


def _two_mistakes(tab):
    page = tab.goto("/admin/sla/sladefinition/add/")
    page.fill("#id_title", "Platinum")
    page.select_option("#id_requirements-0-kind", "percentage")
    page.fill("#id_requirements-0-title", "Availability")
    page.select_option("#id_requirements-0-comparison", "min")
    page.fill("#id_requirements-0-target", "150")
    tab.save()
    assert "Target must be between 0 and 100 (got 150)." in tab.errors()
    tab.shot("first-day-8-mistake-target")
    page = tab.goto("/admin/sla/downtime/add/")
    page.fill("#id_reason", "Night work")
    page.fill("#id_start_0", "2027-03-28")
    page.fill("#id_start_1", "02:30")
    page.fill("#id_end_0", "2027-03-28")
    page.fill("#id_end_1", "04:00")
    tab.save()
    assert "2027-03-28 02:30 does not exist in Europe/Berlin" in tab.errors()
    tab.shot("first-day-8-mistake-dst")


def test_first_day_of_an_operator(operator_tab, live_operator):
    tab = operator_tab
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    day = (timezone.now() + dt.timedelta(days=3)).astimezone(BERLIN).date()
    _time_period_with_a_holiday(tab)
    _sla_with_both_kinds(tab)
    _rule_placed_first(tab, live_operator)
    _public_maintenance(tab, live_operator, day)
    _an_slo(tab, live_operator)
    _token_created_and_revoked(tab)
    _incident_published_updated_resolved(tab, live_operator)
    _two_mistakes(tab)
