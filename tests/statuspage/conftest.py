import pytest
from django.core.cache import cache

from statuspage import cache as page_cache
from statuspage import hosts


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Cached pages and host answers must not leak between tests."""
    cache.clear()
    page_cache.local_entries.clear()
    hosts.forget_all_local()
    yield
    cache.clear()
    page_cache.local_entries.clear()
    hosts.forget_all_local()
