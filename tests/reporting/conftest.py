import shutil
import subprocess
from pathlib import Path

import pytest

from tests.reporting.receiver import Receiver

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def allow_private_networks(settings):
    """Webhooks may go to 127.0.0.1, where the tests' real receivers listen."""
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def receiver(allow_private_networks):
    server = Receiver(secret="s3cret-for-tests").start()
    yield server
    server.stop()


@pytest.fixture
def flaky_receiver(allow_private_networks):
    server = Receiver(secret="s3cret-for-tests", fail_first=3).start()
    yield server
    server.stop()


@pytest.fixture
def report_dir(settings, tmp_path):
    """SLA_REPORT_DIR in a fresh temporary directory."""
    settings.SLA_REPORT_DIR = tmp_path / "reports"
    return settings.SLA_REPORT_DIR


@pytest.fixture
def artifacts() -> Path:
    """tests/artifacts/ (gitignored): screenshots and page images for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def pdf_text(path: Path) -> str:
    """The PDF's text as poppler's pdftotext reads it (lines as printed)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (scripts/system-deps.sh)")
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return result.stdout
