"""Fixtures of the SLA tests."""

import pytest

from slaportal.celery import app as celery_app
from tests.redis_server import redis_url  # noqa: F401 - a fixture
from tests.reporting.conftest import (  # noqa: F401 - shared fixtures
    allow_private_networks,
    flaky_receiver,
    receiver,
)


@pytest.fixture
def eager():
    """Celery tasks run in the caller (as without REDIS_URL), whatever the environment."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


@pytest.fixture
def not_eager():
    """Celery tasks are sent to the broker (as with REDIS_URL)."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = saved
