"""Analysis in a notebook: a short repr, and an HTML summary where log text stays text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

import httplog

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "/a\u202etxt.exe",
    "&amp;lt;",
]
TAGS = {"div", "table", "caption", "b", "thead", "tbody", "tr", "th", "td"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs |= {k for k, _ in attrs}

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> httplog.Analysis:
    t0 = datetime(2026, 11, 20, tzinfo=UTC)
    lines = []
    for m in range(120):
        for i, key in enumerate(HOSTILE):
            stamp = (t0 + timedelta(minutes=m, seconds=i)).strftime("%d/%b/%Y:%H:%M:%S +0000")
            host = key.replace(" ", "_").replace('"', "'")
            status = 404 if i == 1 else 200
            lines.append(
                f'{host}:443 192.0.2.{i} - - [{stamp}] "GET /{key.replace(" ", "%20").replace(chr(34), "%22")} HTTP/1.1" '
                f'{status} 5 "https://{host}/" "{key.replace(chr(34), "")}"\n'
            )
    log = tmp_path_factory.mktemp("hostile") / "vhost.log"
    log.write_text("".join(lines))
    return httplog.analyze(str(log), log_format="vhost_combined")


def test_the_html_summary_has_only_its_own_tags_whatever_the_log_holds(
    hostile: httplog.Analysis,
) -> None:
    page = hostile._repr_html_()
    assert "<script" not in page and "<img" not in page and "\u202e" not in page
    parsed = Tags()
    parsed.feed(page)
    assert parsed.tags <= TAGS
    assert parsed.attrs <= {"style"}
    text = "".join(parsed.text)
    assert "/<script>alert(1)</script>" in text  # shown as text, escaped in the HTML
    assert "<U+202E>" in text  # the reordering character made visible


def test_the_html_summary_shows_totals_rates_and_panels(hostile: httplog.Analysis) -> None:
    parsed = Tags()
    parsed.feed(hostile._repr_html_())
    text = " ".join(parsed.text)
    for word in ("requests", "480", "4xx rate", "25.0%", "not_found", "vhosts", "unique visitors"):
        assert word in text


def test_the_repr_stays_one_short_line(hostile: httplog.Analysis) -> None:
    r = repr(hostile)
    assert "\n" not in r and len(r) < 200 and r.startswith("<Analysis: 480 lines")


def test_spikes_are_in_the_html_summary(tmp_path: Path) -> None:
    t0 = datetime(2026, 11, 20, tzinfo=UTC)
    lines = []
    for m in range(240):
        for i in range(30):
            stamp = (t0 + timedelta(minutes=m, seconds=i)).strftime("%d/%b/%Y:%H:%M:%S +0000")
            status = 503 if 120 <= m < 125 and i < 20 else 200
            lines.append(f'192.0.2.1 - - [{stamp}] "GET / HTTP/1.1" {status} 1 "-" "x"\n')
    log = tmp_path / "a.log"
    log.write_text("".join(lines))
    a = httplog.analyze(str(log), window="5m")
    parsed = Tags()
    parsed.feed(a._repr_html_())
    text = " ".join(parsed.text)
    assert "spikes (1, times in" in text and "2026-11-20 02:00" in text
