from tests.reporting.conftest import allow_private_networks  # noqa: F401 - a fixture
