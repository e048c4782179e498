"""The report in a real browser: Playwright driving Debian's Chromium, network blocked.

Needs ``/usr/bin/chromium`` (apt-get install chromium) and the ``playwright``
package; ``playwright install`` is not used. Missing either is a failure, not a
skip: CI installs both. Screenshots go to test-artifacts/ at the repository root.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import httplog
from httplog.report import write_report
from httplog.statuscodes import describe

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
SAMPLES = ROOT / "sample_logs"
HOSTILE = ROOT / "tests" / "data" / "hostile.log"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMED_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time $upstream_response_time $upstream_addr'
)
CHART_NAMES = ["timeline", "error_rates", "status_codes", "bytes"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (the browser tests need it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@dataclass
class Opened:
    """A report open in a page, and what happened while it loaded."""

    page: object
    blocked: list[str] = field(default_factory=list)  # every non-file request (aborted)
    errors: list[str] = field(default_factory=list)  # console errors and page errors
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def open_report(browser) -> Iterator[object]:
    contexts = []

    def open_(path: Path, *, color_scheme: str = "light", width: int = 1366) -> Opened:
        ctx = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=color_scheme
        )
        contexts.append(ctx)
        url = path.resolve().as_uri()
        seen = Opened(page=None)

        def route(r):
            if r.request.url == url:
                r.continue_()
            else:
                seen.blocked.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()
        seen.page = page
        page.on("console", lambda m: m.type == "error" and seen.errors.append(m.text))
        page.on("pageerror", lambda e: seen.errors.append(str(e)))
        page.on("request", lambda r: r.url != url and seen.blocked.append(r.url))

        def dialog(d):
            seen.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(url, wait_until="load")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.plot'))"
            ".every(d => d.querySelector('.main-svg'))",
            timeout=30_000,
        )
        return seen

    yield open_
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="module")
def sample_analysis() -> httplog.Analysis:
    return httplog.analyze(SAMPLES / "nginx_access.log", tz="Europe/Paris")


@pytest.fixture(scope="module")
def reports(tmp_path_factory, sample_analysis) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("reports")
    out = {}
    for lang in ("en", "zh"):
        out[lang] = d / f"sample-{lang}.html"
        write_report(sample_analysis, out[lang], lang=lang)
    return out


def _status_rows(page) -> dict[int, tuple[str, str]]:
    rows = page.eval_on_selector_all(
        "table.status tbody tr",
        "rows => rows.map(r => [r.querySelector('.code').innerText,"
        " r.querySelector('.description').innerText, r.querySelector('.class').innerText])",
    )
    return {int(code): (desc, cls) for code, desc, cls in rows}


def _offline(seen: Opened) -> None:
    web = [u for u in seen.blocked if u.startswith(("http:", "https:"))]
    assert web == [], f"the page tried the network: {web}"
    assert seen.blocked == [], f"the page requested more than itself: {seen.blocked}"


def test_sample_report_renders_offline_with_every_chart(open_report, reports):
    seen = open_report(reports["en"])
    page = seen.page
    ids = page.eval_on_selector_all(".plot", "ds => ds.map(d => d.id)")
    assert ids == [f"chart-{n}" for n in CHART_NAMES]
    for chart_id in ids:
        assert page.locator(f"#{chart_id} .main-svg").count() >= 1, chart_id
    titles = page.eval_on_selector_all(".plot .gtitle", "ts => ts.map(t => t.textContent)")
    assert "Requests over time by status class" in titles
    assert seen.errors == []
    assert seen.dialogs == []
    _offline(seen)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)


def test_modebar_has_no_logo_and_no_button_that_uploads(open_report, reports):
    page = open_report(reports["en"]).page
    page.hover("#chart-timeline .main-svg")
    titles = set(
        page.eval_on_selector_all(
            ".modebar-btn", "bs => bs.map(b => b.getAttribute('data-title') || '')"
        )
    )
    assert titles, "no modebar rendered"
    assert not any(
        "share" in t.lower() or "cloud" in t.lower() or "edit" in t.lower() for t in titles
    )
    assert (
        page.locator(".modebar-btn--logo, a[href*='plotly.com'], a[href*='plot.ly']").count() == 0
    )
    attrs = page.eval_on_selector_all(
        ".modebar-btn", "bs => bs.map(b => b.getAttribute('data-attr') || '')"
    )
    assert not any("cloud" in a.lower() for a in attrs)
    assert titles <= {
        "Download plot as a PNG",
        "Zoom",
        "Pan",
        "Zoom in",
        "Zoom out",
        "Autoscale",
        "Reset axes",
    }


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_status_table_lists_the_sample_codes_with_descriptions(open_report, reports, lang):
    manifest = json.loads((SAMPLES / "manifest.json").read_text())
    expected = {int(c) for c in manifest["files"]["nginx_access.log"]["status_counts"]}
    seen = open_report(reports[lang])
    rows = _status_rows(seen.page)
    assert set(rows) == expected
    for code, (description, _cls) in rows.items():
        assert description == describe(code, lang).description, code
    assert rows[503][1] == ("5xx server error" if lang == "en" else "5xx 服务器错误")
    heading = seen.page.inner_text("#status h2")
    assert heading == ("Status codes" if lang == "en" else "状态码")
    assert seen.errors == []
    _offline(seen)


def test_timed_log_shows_latency_percentiles(open_report, tmp_path):
    a = httplog.analyze(SAMPLES / "nginx_timed.log", log_format=TIMED_FORMAT, tz="Europe/Paris")
    out = tmp_path / "timed.html"
    write_report(a, out)
    seen = open_report(out)
    page = seen.page
    assert page.locator("#chart-latency .main-svg").count() >= 1
    names = page.eval_on_selector_all(
        "#chart-latency .legendtext", "ts => ts.map(t => t.textContent)"
    )
    assert names == ["p50", "p90", "p99"]
    ticks = page.eval_on_selector_all(
        "#chart-timeline .xtick text", "ts => ts.map(t => t.textContent)"
    )
    # 11:00-17:00 UTC is 12:00-18:00 in Paris: the axis shows Paris times
    assert any(t.startswith("12:") for t in ticks), ticks
    assert not any(t.startswith("11:") for t in ticks), ticks
    assert seen.errors == []
    _offline(seen)


def test_hostile_log_shows_as_text_and_nothing_runs(open_report, tmp_path):
    log = tmp_path / '"><img src=x onerror=window.__pwned=1>.log'
    log.write_bytes(HOSTILE.read_bytes())
    out = tmp_path / "hostile.html"
    write_report(httplog.analyze(log), out, title="<script>alert(1)</script>")
    seen = open_report(out)
    page = seen.page
    page.wait_for_timeout(300)
    assert seen.dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    assert page.locator("body svg[onload], body [onerror]").count() == 0
    assert page.evaluate("document.scripts.length") == 3
    text = page.inner_text("body")
    for hostile in (
        "<script>alert(1)</script>",
        "</script><script>window.__pwned=1</script>",
        '"><img src=x onerror="window.__pwned=1">',
        "javascript:window.__pwned=1",
        "{{7*7}} ${7*7} <!-- <![CDATA[ ]]><svg onload=window.__pwned=1>",
        '"><img src=x onerror=window.__pwned=1>.log',
    ):
        assert hostile in text, hostile
    assert "\u2400" in text  # NUL, visible
    assert "\ufffd" in text  # invalid UTF-8, visible
    assert "<U+202E>" in text  # a bidi override, shown instead of applied
    assert page.title() == "<script>alert(1)</script>"
    assert seen.errors == []
    _offline(seen)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-hostile.png"), full_page=True)


def test_cdn_report_asks_only_the_cdn_and_says_so_when_offline(browser, tmp_path, sample_analysis):
    out = tmp_path / "cdn.html"
    write_report(sample_analysis, out, plotly_js="cdn")
    ctx = browser.new_context()
    tried: list[str] = []
    url = out.resolve().as_uri()

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            tried.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    assert len(tried) == 1 and tried[0].startswith("https://cdn.plot.ly/plotly-"), tried
    assert page.locator("#charts-unavailable").is_visible()
    assert len(_status_rows(page)) == 20  # the tables do not need plotly.js
    ctx.close()


def test_dark_mode_switches_page_and_chart_colours(open_report, reports):
    light = open_report(reports["en"], color_scheme="light").page
    dark = open_report(reports["en"], color_scheme="dark").page
    bg = "getComputedStyle(document.body).backgroundColor"
    assert light.evaluate(bg) != dark.evaluate(bg)
    font = "document.getElementById('chart-timeline')._fullLayout.font.color"
    assert light.evaluate(font) != dark.evaluate(font)
    assert dark.evaluate(font) == "#f2f5fa"  # plotly_dark's
    ARTIFACTS.mkdir(exist_ok=True)
    dark.screenshot(path=str(ARTIFACTS / "report-dark.png"))


def test_print_hides_the_modebar_and_keeps_charts_whole(open_report, reports):
    page = open_report(reports["en"]).page
    page.emulate_media(media="print")
    assert page.eval_on_selector(".modebar-container", "e => getComputedStyle(e).display") == "none"
    assert page.eval_on_selector("nav", "e => getComputedStyle(e).display") == "none"
    assert page.eval_on_selector(".chart", "e => getComputedStyle(e).breakInside") == "avoid"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_empty_log_report_says_so(open_report, tmp_path):
    log = tmp_path / "empty.log"
    log.write_bytes(b"")
    out = tmp_path / "empty.html"
    write_report(httplog.analyze(log), out)
    seen = open_report(out)
    assert "No requests" in seen.page.inner_text("#summary")
    assert seen.page.locator(".plot").count() == 0
    assert seen.errors == []
    _offline(seen)
