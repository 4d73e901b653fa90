"""Fixtures of the subscription tests: a page with two components, real SMTP (the session's
aiosmtpd, tests/conftest.py), real HTTP receivers, eager Celery tasks."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from reporting.services.notifications import outbox_process_due
from slaportal.celery import app as celery_app
from statuspage.subscriptions.notify import incident_update_notify
from tests.factories import (
    AccountFactory,
    ServiceFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)
from tests.reporting.conftest import allow_private_networks  # noqa: F401 - a fixture

CONFIRM_LINK = re.compile(r"https?://\S+/subscription/confirm/[^\s\"<]+")


@dataclass
class AcmePage:
    account: object
    page: object
    api: object  # component "API"
    web: object  # component "Web"

    @property
    def path(self) -> str:
        return f"/status/{self.page.slug}"


def acme_page(slug: str = "acme", language: str = "en", account=None, **fields) -> AcmePage:
    account = account or AccountFactory(timezone="UTC")
    page = StatusPageFactory(
        account=account, slug=slug, title="Acme Status", language=language, **fields
    )
    components = [
        StatusPageComponentFactory(
            account=account,
            page=page,
            service=ServiceFactory(account=account, current_state="OK"),
            name=name,
            position=position,
        )
        for position, name in enumerate(["API", "Web"])
    ]
    return AcmePage(account, page, *components)


@pytest.fixture
def acme(db) -> AcmePage:
    return acme_page()


@pytest.fixture
def eager():
    """Celery tasks run in the caller, whatever the environment."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def path_of(url: str) -> str:
    return urlsplit(url).path


def confirm_link(mail) -> str:
    found = CONFIRM_LINK.search(mail.text)
    assert found, mail.text
    return found.group(0)


def unsubscribe_link(mail) -> str:
    header = str(mail.message["List-Unsubscribe"]).strip()
    assert header.startswith("<") and header.endswith(">"), header
    return header[1:-1]


def deliver_all(now=None) -> int:
    """Everything due now, as the periodic outbox job would."""
    return outbox_process_due(now=now)


def announce(update) -> int:
    """What the task after the commit does for a new timeline entry."""
    return incident_update_notify(update_id=update.pk)
