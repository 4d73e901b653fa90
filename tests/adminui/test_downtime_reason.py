"""Issue 12, item 8: a downtime's reason takes no control characters (it is published on
the status page, in feeds and mails), refused by the model, the API and the admin alike,
as the status page's own public texts are."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sla.models import Downtime
from tests.adminui.test_local_time import _downtime_form
from tests.conftest import client_for
from tests.factories import ApiTokenFactory, DowntimeFactory

pytestmark = pytest.mark.django_db
BAD_REASONS = ["DB\x07upgrade", "line\nbreak", "esc\x1b[31m", "nul\x00", "c1\x85"]


@pytest.mark.parametrize("reason", BAD_REASONS)
def test_the_model_refuses_control_characters_in_the_reason(reason, operator):
    downtime = DowntimeFactory.build(account=operator.account, reason=reason)
    with pytest.raises(ValidationError) as raised:
        downtime.full_clean()
    assert "reason" in raised.value.message_dict


def test_the_api_refuses_them_naming_the_field(operator):
    api = client_for(ApiTokenFactory(account=operator.account))
    body = {
        "reason": "DB\x07upgrade",
        "start": "2027-01-05T02:00:00Z",
        "end": "2027-01-05T03:00:00Z",
    }
    response = api.post("/api/v1/downtimes", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"].keys() == {"reason"}
    assert "U+0007" in response.json()["fields"]["reason"][0]
    body["reason"] = "DB upgrade – Müller's team"  # plain text stays fine
    assert api.post("/api/v1/downtimes", body, format="json").status_code == 201


def test_the_admin_refuses_them_on_the_reason(operator_client, operator):
    day = dt.date(2027, 1, 5)
    form = _downtime_form(operator, day, reason="DB\x1bupgrade")
    response = operator_client.post("/admin/sla/downtime/add/", form)
    assert response.status_code == 200
    assert "U+001B" in response.content.decode()
    assert not Downtime.objects.exists()
