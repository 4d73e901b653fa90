"""Issue 20, item 2: an SLA form that explains itself (kind fieldsets, durations as words,
IANA zones, one line of help per option, messages naming the field and its range) and an
SLA page that prints options in words and the rule that assigned the SLA."""

import pytest

from sla.models import AssignmentRule, Requirement, SLADefinition

pytestmark = pytest.mark.django_db


def _sla_form(operator, *requirements, **fields) -> dict:
    data = {
        "account": operator.account.pk,
        "title": "Gold",
        "description": "",
        "period": "monthly",
        "timezone": "Europe/Berlin",
        "time_period": "",
        "downtimes": "honor",
        "warn_as": "WARN",
        "unknown_as": "UNKNOWN",
        "short_interval_seconds": "",
        "merge_phases": "on",
        "outage_split": "per_period",
        "requirements-TOTAL_FORMS": str(len(requirements)),
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "1",
        "requirements-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, requirement in enumerate(requirements):
        for name, value in requirement.items():
            data[f"requirements-{index}-{name}"] = value
    return data


PERCENTAGE = {
    "position": "0",
    "title": "Availability",
    "kind": "percentage",
    "state": "OK",
    "comparison": "min",
    "target": "99.9",
    "max_count": "",
    "min_duration_seconds": "",
    "level_warn": "50",
    "level_crit": "20",
}
OUTAGES = {
    "position": "1",
    "title": "Few outages",
    "kind": "outages",
    "state": "CRIT",
    "comparison": "",
    "target": "",
    "max_count": "3",
    "min_duration_seconds": "10 min",
    "level_warn": "1",
    "level_crit": "0",
}


def test_the_add_form_explains_itself(operator_client):
    page = operator_client.get("/admin/sla/sladefinition/add/").content.decode()
    assert '<option value="Europe/Berlin" selected>' in page
    assert "Join touching spans of the same state into one" in page  # merge phases
    assert "Interruptions up to this long between two equal states" in page
    assert "An outage across a period boundary" in page
    assert "Scheduled downtime: count it as OK (honor)" in page
    assert "requirement-kind-percentage" in page and "requirement-kind-outages" in page
    assert "percent of the error budget still left" in page
    assert "outages still allowed" in page


def test_both_kinds_save_with_durations_in_words(operator_client, operator):
    leftover = {**PERCENTAGE, "max_count": "7"}  # typed into the hidden outage fields
    form = _sla_form(operator, leftover, OUTAGES, short_interval_seconds="2 min")
    response = operator_client.post("/admin/sla/sladefinition/add/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    sla = SLADefinition.objects.get()
    assert sla.options["short_interval_seconds"] == 120
    percentage, outages = Requirement.objects.order_by("position")
    assert percentage.max_count is None
    assert outages.min_duration_seconds == 600 and outages.target is None
    page = operator_client.get(f"/admin/sla/sladefinition/{sla.pk}/change/").content.decode()
    assert 'value="10 min"' in page and 'value="2 min"' in page
    assert "600.0" not in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": "150"}, "Target must be between 0 and 100 (got 150)."),
        ({"target": ""}, "Target is required for a percentage requirement."),
        ({"level_warn": "120"}, "WARN level must be between 0 and 100 (got 120)."),
        ({"level_crit": "60"}, "CRIT level must be at most the WARN level (50)"),
        ({"level_crit": ""}, "Give both levels (WARN and CRIT) or neither."),
    ],
)
def test_messages_name_the_field_and_its_range(operator_client, operator, change, message):
    form = _sla_form(operator, {**PERCENTAGE, **change})
    response = operator_client.post("/admin/sla/sladefinition/add/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SLADefinition.objects.exists()


def test_a_bad_duration_says_what_to_write(operator_client, operator):
    form = _sla_form(operator, {**OUTAGES, "min_duration_seconds": "ten minutes"})
    response = operator_client.post("/admin/sla/sladefinition/add/", form)
    assert "Shortest outage counted: &#x27;ten minutes&#x27; is not a duration" in (
        response.content.decode()
    )


def test_the_sla_page_prints_options_in_words_and_the_assigning_rule(operator_client, operator):
    form = _sla_form(operator, PERCENTAGE, OUTAGES, short_interval_seconds="2 min")
    operator_client.post("/admin/sla/sladefinition/add/", form)
    sla = SLADefinition.objects.get()
    rule = AssignmentRule.objects.create(
        account=operator.account, sla=sla, position=1, path_glob="shop/*", description="Shop"
    )
    page = operator_client.get(f"/admin/sla/service/{operator.service.pk}/sla/").content.decode()
    assert "Interruptions of 2 min or less between two equal states take that state." in page
    assert "Downtime counts as OK: scheduled maintenance is not held against the SLA" in page
    assert "short_interval_seconds=" not in page
    assert f'href="/admin/sla/assignmentrule/{rule.pk}/change/">rule 1 (Shop)</a>' in page
    assert "at most 3 CRIT outages of at least 10 min" in page
