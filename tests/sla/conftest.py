from tests.reporting.conftest import flaky_receiver, receiver  # noqa: F401 - shared fixtures
