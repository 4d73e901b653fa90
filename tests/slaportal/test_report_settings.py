"""SLA_REPORT_TIME and SLA_REPORT_CATCHUP_DAYS: bad values stop start-up naming the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from slaportal.env import env_time_of_day


@pytest.mark.parametrize("value", ["0:05", "24:00", "12:60", "noon", "12-30", "1205"])
def test_bad_report_times_are_refused(value):
    with pytest.raises(ImproperlyConfigured, match="SLA_REPORT_TIME"):
        env_time_of_day("SLA_REPORT_TIME", "00:05", {"SLA_REPORT_TIME": value})


def test_report_time_default_and_value():
    assert env_time_of_day("SLA_REPORT_TIME", "00:05", {}) == "00:05"
    assert env_time_of_day("SLA_REPORT_TIME", "00:05", {"SLA_REPORT_TIME": " 23:59 "}) == "23:59"


def test_settings_refuse_a_bad_time_at_start_up():
    from tests.slaportal.test_settings import _start

    result = _start(SLA_REPORT_TIME="25:00")
    assert result.returncode != 0 and "SLA_REPORT_TIME" in result.stderr
    result = _start(SLA_REPORT_CATCHUP_DAYS="0")
    assert result.returncode != 0 and "SLA_REPORT_CATCHUP_DAYS" in result.stderr
