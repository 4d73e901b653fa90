import pytest

from tests.reporting.receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver(secret="s3cret-for-tests").start()
    yield server
    server.stop()


@pytest.fixture
def flaky_receiver():
    server = Receiver(secret="s3cret-for-tests", fail_first=3).start()
    yield server
    server.stop()
