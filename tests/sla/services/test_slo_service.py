"""The SLO write services refuse an object of another account whatever the interpreter's
flags (an `assert` would vanish under `python -O`)."""

import pytest

from sla.models import SLO
from sla.services.slo import slo_update
from tests.factories import AccountFactory, SLOFactory

pytestmark = pytest.mark.django_db


def test_an_slo_of_another_account_is_refused_and_left_unchanged():
    mine, theirs = AccountFactory(), AccountFactory()
    slo = SLOFactory(account=theirs, name="theirs", window_days=7)
    with pytest.raises(ValueError, match="own account"):
        slo_update(account=mine, slo=slo, window_days=3)
    assert SLO.objects.get(pk=slo.pk).window_days == 7


def test_an_slo_of_its_own_account_is_updated():
    account = AccountFactory()
    slo = SLOFactory(account=account, name="mine", target="99.9", window_days=7)
    slo_update(account=account, slo=slo, window_days=3)
    assert SLO.objects.get(pk=slo.pk).window_days == 3
