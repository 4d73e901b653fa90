"""Fixtures of the API-wide tests."""

from tests.redis_server import redis_url  # noqa: F401 - a fixture
