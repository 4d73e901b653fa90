import uuid

import pytest
import time_machine

from statuspage import cache as page_cache
from statuspage import hosts
from statuspage.selectors.pages import forget_pages
from tests.statuspage.builders import NOW


def _forget_process_memory():
    page_cache.forget_local()
    hosts.forget_all_local()
    forget_pages()


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Each test gets its own cache key prefix, so cached pages, versions and host answers
    never leak between tests, and the shared cache (Redis with REDIS_URL) is not flushed."""
    settings.STATUSPAGE_CACHE_PREFIX = f"sp-test-{uuid.uuid4().hex[:12]}"
    _forget_process_memory()
    yield
    _forget_process_memory()


@pytest.fixture
def frozen_now():
    """Time stands still at builders.NOW; the traveller moves it (`frozen_now.shift(s)`).
    Modules that want it for every test: pytestmark usefixtures("frozen_now")."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
