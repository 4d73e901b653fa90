"""Issue 20, item 3: rules you can order and understand."""

import pytest

from sla.models import AssignmentRule
from tests.factories import AccountFactory, SLADefinitionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(operator):
    silver = SLADefinitionFactory(account=operator.account, title="Silver")
    gold = SLADefinitionFactory(account=operator.account, title="Gold")
    first = AssignmentRule.objects.create(
        account=operator.account, sla=silver, position=1, path_glob="shop/checkout"
    )
    second = AssignmentRule.objects.create(
        account=operator.account, sla=gold, position=2, path_glob="shop/*", description="Shop"
    )
    return first, second, gold


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_list_says_the_first_match_wins_and_moves_rules(operator_client, rules):
    first, second, _ = rules
    page = operator_client.get("/admin/sla/assignmentrule/").content.decode()
    assert "the first match wins" in page.lower()
    assert f'name="move" value="{second.pk}:up"' in page
    response = operator_client.post(
        "/admin/sla/assignmentrule/move/", {"move": f"{second.pk}:up"}, follow=True
    )
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.position, first.position) == (1, 2)
    shown = _messages(response)
    assert "Moved up: rule 1 (Shop)." in shown
    # Shop (shop/*) now hides the narrower checkout rule, and takes its service.
    assert any("Rule 2 (shop/checkout → Silver) no longer applies" in text for text in shown)
    assert any("1 service(s) now get Gold from rule 1 (Shop)" in text for text in shown)


def test_saving_a_rule_that_hides_others_names_them(operator_client, operator, rules):
    _, _, gold = rules
    page = operator_client.get("/admin/sla/assignmentrule/add/").content.decode()
    assert 'name="position" value="3"' in page  # a new rule goes last
    response = operator_client.post(
        "/admin/sla/assignmentrule/add/",
        {
            "account": operator.account.pk,
            "position": "0",
            "sla": gold.pk,
            "target": "service",
            "path_glob": "",
            "labels": "{}",
            "description": "Everything",
        },
        follow=True,
    )
    shown = _messages(response)
    assert any(
        text.startswith("Rule 1 (shop/checkout → Silver) no longer applies: rule 0 (Everything)")
        for text in shown
    ), shown
    assert any(text.startswith("Rule 2 (Shop) no longer applies") for text in shown)
    assert any("instead of rule 1 (shop/checkout → Silver): shop/checkout" in t for t in shown)


def test_a_rule_saved_below_a_wider_one_is_told_it_never_applies(operator_client, operator, rules):
    first = rules[0]
    response = operator_client.post(
        f"/admin/sla/assignmentrule/{first.pk}/change/",
        {
            "account": operator.account.pk,
            "position": "3",
            "sla": first.sla_id,
            "target": "service",
            "path_glob": "shop/checkout",
            "labels": "{}",
            "description": "",
        },
        follow=True,
    )
    assert any(
        "Rule 3 (shop/checkout → Silver) never applies: rule 2 (Shop) comes before it" in text
        for text in _messages(response)
    )


def test_another_accounts_rule_cannot_be_moved(operator_client):
    other = AccountFactory()
    rule = AssignmentRule.objects.create(
        account=other, sla=SLADefinitionFactory(account=other), position=1
    )
    response = operator_client.post("/admin/sla/assignmentrule/move/", {"move": f"{rule.pk}:up"})
    assert response.status_code == 404
    assert operator_client.get("/admin/sla/assignmentrule/move/").status_code == 405
