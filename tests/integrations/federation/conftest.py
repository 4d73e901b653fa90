import json
from pathlib import Path

import pytest

REPORT_FILE = Path(__file__).resolve().parents[2] / "data" / "federation" / "daily-report.json"
PDF = b"%PDF-1.4\n% a tiny stand-in: the receiving side keeps the bytes as they are\n%%EOF\n"


@pytest.fixture
def report_document() -> dict:
    """A real daily report (built from tests/reporting/scenario.py), as a plugin pushes it."""
    return json.loads(REPORT_FILE.read_text())
