import pytest
from django.core.cache import cache

from statuspage import cache as page_cache
from statuspage import hosts
from statuspage.selectors.pages import forget_pages


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Cached pages and host answers must not leak between tests."""
    cache.clear()
    page_cache.forget_local()
    hosts.forget_all_local()
    forget_pages()
    yield
    cache.clear()
    page_cache.forget_local()
    hosts.forget_all_local()
    forget_pages()
