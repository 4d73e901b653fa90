"""Fixtures of the project-level tests."""

from tests.redis_server import redis_url  # noqa: F401 - a fixture
