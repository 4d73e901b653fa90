"""The PDF's strict link callback, escaped tenant text, and deterministic charts."""

import datetime as dt

import pytest
from django.conf import settings

from reporting.charts import Series, strip_colour, uptime_strip_png, uptime_trend_svg
from reporting.display import uptime_text
from reporting.pdf import StaticOnlyLinks, UnsafeResource, render_report_pdf, static_file
from tests.reporting.conftest import pdf_text


def test_static_files_resolve_inside_the_static_directories():
    path = static_file("/static/fonts/DejaVuSans.ttf")
    assert path.name == "DejaVuSans.ttf" and path.is_file()
    assert StaticOnlyLinks()("/static/fonts/DejaVuSans-Bold.ttf", None).endswith("Bold.ttf")
    assert StaticOnlyLinks({"abc": b"png"})("chart:abc", None) == b"png"


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:9/logo.png",
        "https://example.com/font.ttf",
        "file:///etc/passwd",
        "/etc/passwd",
        "../slaportal/settings.py",
        "/static/../slaportal/settings.py",
        "/static/fonts/../../slaportal/settings.py",
        "/static/%2e%2e/slaportal/settings.py",
        "/static//etc/passwd",
        "/static/fonts/missing.ttf",
        "/static/fonts/DejaVuSans.ttf?x=1",
        "/static/fonts\\..\\..\\manage.py",
        "/static/fonts/DejaVuSans.ttf\x00.png",
        "/static/",
        "data:image/png;base64,AAAA",
        "chart:not-made-by-this-document",
        "//example.com/x.png",
    ],
)
def test_anything_else_is_refused(uri):
    with pytest.raises(UnsafeResource):
        StaticOnlyLinks({"abc": b"png"})(uri, None)


def test_a_symlink_out_of_the_static_directory_is_refused(tmp_path, settings):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    static = tmp_path / "static"
    static.mkdir()
    (static / "link.txt").symlink_to(outside)
    settings.STATICFILES_DIRS = [static]
    with pytest.raises(UnsafeResource):
        static_file("/static/link.txt")


def _tiny_report(name: str) -> dict:
    strip = [None] * 29 + [100.0]
    return {
        "schema_version": 1,
        "kind": "sla.daily_report",
        "account": {"slug": "x", "name": name, "timezone": "UTC"},
        "day": "2026-11-20",
        "range": {"start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z"},
        "strip_days": [
            (dt.date(2026, 11, 20) - dt.timedelta(days=29 - n)).isoformat() for n in range(30)
        ],
        "summary": {
            "services": 1,
            "groups": 0,
            "uptime_percent": 100.0,
            "seconds": dict.fromkeys(
                ("ok", "warn", "crit", "unknown", "unmonitored", "downtime"), 0.0
            ),
            "services_with_sla": 0,
            "sla_states": dict.fromkeys(("NODATA", "OK", "WARN", "CRIT", "BROKEN"), 0),
            "incidents": 0,
            "downtimes": 0,
            "slos": 0,
            "slos_budget_exhausted": 0,
            "strip": strip,
        },
        "groups": [],
        "ungrouped_services": [
            {
                "id": 1,
                "path": "a/b",
                "name": name,
                "uptime": None,
                "strip": strip,
                "sla": None,
                "slos": [],
                "incidents": [],
                "downtimes": [],
            }
        ],
        "downtimes": [],
    }


def test_tenant_markup_is_printed_as_text_and_never_fetched(tmp_path, monkeypatch):
    asked = []
    original = StaticOnlyLinks.__call__

    def spy(self, uri, rel=None):
        asked.append(uri)
        return original(self, uri, rel)

    monkeypatch.setattr(StaticOnlyLinks, "__call__", spy)
    name = '<img src="http://127.0.0.1:9/x.png"><pdf:nextpage> Łódź & "Ærø"'
    pdf = render_report_pdf(_tiny_report(name))
    path = tmp_path / "tiny.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert '<img src="http://127.0.0.1:9/x.png"><pdf:nextpage> Łódź & "Ærø"' in text
    assert all(uri.startswith(("/static/", "chart:")) for uri in asked)
    assert "Page 1 of 2" in text  # the injected <pdf:nextpage> did not add a page


def test_charts_are_deterministic_and_escape_names():
    days = [dt.date(2026, 11, 1) + dt.timedelta(days=n) for n in range(5)]
    series = [Series(name="<b>A&B</b>", values=(100.0, 99.5, None, 98.0, 100.0))]
    svg = uptime_trend_svg(series, days)
    assert svg == uptime_trend_svg(series, days)
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in svg and "<b>" not in svg
    assert svg.count("<polyline") == 2  # the missing day breaks the line
    assert "95%" in svg  # the axis starts at a round floor below 98 %
    assert uptime_strip_png([100.0, 99.5, 10.0, None]) == uptime_strip_png([100, 99.2, 5, None])
    assert [strip_colour(value) for value in (99.95, 99.5, 98.0, None)] == [
        "#2e9d57",
        "#e0a100",
        "#d23b3b",
        "#d7dbe2",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [(100.0, "100.00%"), (99.997, "99.99%"), (99.9999999, "99.99%"), (None, "–")],
)
def test_uptime_is_never_rounded_up_to_100(value, text):
    assert uptime_text(value) == text


def test_static_root_is_among_the_allowed_roots():
    from reporting.pdf import static_roots

    assert settings.STATIC_ROOT.resolve() in static_roots()


def test_trend_shows_the_eight_lowest_lines_and_says_so():
    from reporting.pdf import _Charts, report_pdf_context

    data = _tiny_report("x")
    data["groups"] = [
        {
            "id": number,
            "name": f"g{number}",
            "title": f"Group {number}",
            "aggregation": "worst",
            "uptime": None,
            "strip": [100.0 - number] * 30,
            "sla": None,
            "slos": [],
            "incidents": [],
            "downtimes": [],
            "services": [],
        }
        for number in range(10)
    ]
    context = report_pdf_context(data, _Charts())
    names = [line["name"] for line in context["legend"]]
    assert names[0] == "All services" and len(names) == 8
    assert "Group 0" not in names and "Group 9" in names  # the lowest uptime are shown
    assert context["trend_note"] == "7 of 10 groups shown: those with the lowest uptime."
