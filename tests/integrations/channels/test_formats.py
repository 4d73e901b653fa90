"""Channel formats from notices: limits of each service, escaping, paging actions."""

from integrations.channels import formats
from integrations.channels.notices import Notice, notice_for, shows
from tests.reporting.shapes import pagerduty_problems, slack_problems, teams_problems

KEY = "R0UT1NGKEY0123456789abcdefABCDEF"


def test_long_text_is_cut_to_each_services_limits():
    notice = Notice(
        title="T" * 2000,
        severity="critical",
        summary="S" * 5000,
        facts=[(f"f{index}", "v" * 3000) for index in range(14)],
        link=("L" * 100, "https://example.com/x"),
        page_action="trigger",
        page_key="key",
    )
    slack = formats.slack_message(notice, account="acme")
    assert slack_problems(slack) == []
    assert len(slack["blocks"][1]["fields"]) == 10
    assert teams_problems(formats.teams_message(notice, account="acme")) == []
    event = formats.pagerduty_event(notice, account="acme", routing_key=KEY)
    assert pagerduty_problems(event) == [] and len(event["payload"]["summary"]) == 1024


def test_unknown_event_types_reach_chat_but_not_the_pager():
    notice = notice_for("example.unregistered", {"title": "Gold violated", "text": "x"}, "acme")
    assert notice.title == "Gold violated" and notice.page_action is None
    assert shows("slack", "example.unregistered") and not shows("pagerduty", "example.unregistered")
    assert formats.pagerduty_event(notice, account="acme", routing_key=KEY) is None


def test_slack_escapes_control_characters():
    assert formats.slack_escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"
