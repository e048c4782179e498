"""The report in a real browser: Playwright driving Debian's Chromium, network blocked.

Needs ``/usr/bin/chromium`` (apt-get install chromium) and the ``playwright``
package; ``playwright install`` is not used. Missing either is a failure, not a
skip: CI installs both. Screenshots go to test-artifacts/ at the repository root.
The browser and the ``open_report``/``shared_report`` fixtures are in conftest.py;
every chart over every corpus and sample log is test_report_browser_corpus.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import Opened, _offline, block_all_but

import httplog
from httplog.report import write_report
from httplog.statuscodes import describe

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
SAMPLES = ROOT / "sample_logs"
HOSTILE = ROOT / "tests" / "data" / "hostile.log"
TIMED_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time $upstream_response_time $upstream_addr'
)
CHART_NAMES = ["timeline", "error_rates", "status_codes", "bandwidth"]


@pytest.fixture(scope="module")
def sample_analysis(sample_log_analysis_paris) -> httplog.Analysis:
    return sample_log_analysis_paris


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


def test_sample_report_renders_offline_with_every_chart(shared_report, reports):
    seen = shared_report(reports["en"])
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


def test_modebar_has_no_logo_and_no_button_that_uploads(shared_report, reports):
    page = shared_report(reports["en"]).page
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
def test_status_table_lists_the_sample_codes_with_descriptions(shared_report, reports, lang):
    manifest = json.loads((SAMPLES / "manifest.json").read_text())
    expected = {int(c) for c in manifest["files"]["nginx_access.log"]["status_counts"]}
    seen = shared_report(reports[lang])
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
    # only the page's own scripts: the two data blocks, the two scripts and plotly.js
    # (expanded from its compressed block, which is then removed, and run from a
    # blob: URL whose integrity is the hash the CSP admits)
    scripts = page.evaluate(
        "Array.from(document.scripts).map(s => s.id || (s.src.startsWith('blob:')"
        " || s.textContent.length > 100000 ? 'plotly.js' : s.textContent.split('\\n')[0]))"
    )
    assert sorted(scripts) == [
        "/* httplog report: interactive tables.",
        "/* httplog report: the charts.",
        "httplog-charts",
        "httplog-tables",
        "plotly.js",
    ], scripts
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
    block_all_but(ctx, url, tried)
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    assert len(tried) == 1 and tried[0].startswith("https://cdn.plot.ly/plotly-"), tried
    assert page.locator("#charts-unavailable").is_visible()
    assert len(_status_rows(page)) == 20  # the tables do not need plotly.js
    ctx.close()


def test_dark_mode_switches_page_and_chart_colours(open_report, shared_report, reports):
    light = shared_report(reports["en"], color_scheme="light").page
    dark = open_report(reports["en"], color_scheme="dark").page
    bg = "getComputedStyle(document.body).backgroundColor"
    assert light.evaluate(bg) != dark.evaluate(bg)
    font = "document.getElementById('chart-timeline')._fullLayout.font.color"
    assert light.evaluate(font) != dark.evaluate(font)
    assert dark.evaluate(font) == "#f2f5fa"  # plotly_dark's
    ARTIFACTS.mkdir(exist_ok=True)
    dark.screenshot(path=str(ARTIFACTS / "report-dark.png"))


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


# --- interactive tables --------------------------------------------------------------

HOSTILE_PATH = "/</script><script>window.__pwned=1</script>"


def _rows(table: str) -> str:
    """The selector of a table's own rows (not the rows of its details' tables)."""
    return f"#{table} > .tablebox > table > tbody > tr:not(.detail)"


def _column(page, table: str, col: int) -> list[str]:
    return page.eval_on_selector_all(
        _rows(table),
        f"rows => rows.map(r => r.children[{col}] ? r.children[{col}].innerText : '')",
    )


def _inert(seen: Opened) -> None:
    page = seen.page
    assert seen.dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # (the page's own chart data and script sit between the sections, right after the charts)
    assert (
        page.locator("main img, main section script, main svg[onload], main [onerror]").count() == 0
    )
    assert page.locator("main > script:not(#httplog-charts):not(#httplog-plotly)").count() <= 1
    assert seen.errors == []


def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> tuple[httplog.Analysis, Path]:
    """The hostile log's analysis and report (the tables' tests load it afresh)."""
    d = tmp_path_factory.mktemp("hostile")
    log = d / "hostile.log"
    log.write_bytes(HOSTILE.read_bytes())
    analysis = httplog.analyze(log)
    write_report(analysis, d / "hostile.html")
    return analysis, d / "hostile.html"


def test_tables_sort_filter_and_expand_hostile_keys_as_text(open_report, hostile_report):
    seen = open_report(hostile_report[1])
    page = seen.page
    table = "t-top-all-path"
    header = page.locator(f"#{table} thead th").nth(2)  # Requests
    # sorting: numbers as numbers (biggest first), then reversed; the header says so
    header.locator("button").click()
    counts = [_number(t) for t in _column(page, table, 2)]
    assert counts == sorted(counts, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
    header.locator("button").press("Enter")  # the keyboard does the same
    assert [_number(t) for t in _column(page, table, 2)] == sorted(counts)
    assert header.get_attribute("aria-sort") == "ascending"
    # by key: text order; hostile keys are compared and moved as text
    page.locator(f"#{table} thead th").nth(1).locator("button").click()
    keys = _column(page, table, 1)
    assert keys == sorted(keys) and HOSTILE_PATH in keys
    _inert(seen)
    # filtering: a query that looks like markup matches text, never becomes markup
    page.fill(f"#{table} input.filter", "</script><script>")
    assert _column(page, table, 1) == [HOSTILE_PATH]
    assert "1 of 1 matching" in page.inner_text(f"#{table} .tablestatus")
    page.fill(f"#{table} input.filter", "no such key at all")
    assert page.inner_text(f"#{table} tbody") == "No row matches the filter."
    page.fill(f"#{table} input.filter", "")
    assert len(_column(page, table, 1)) == len(keys)
    _inert(seen)
    # a spike's row expands into its explaining keys, hostile ones included, as text;
    # the first spikes start open
    button = page.locator("#t-spikes button.expand").first
    detail = page.locator("#" + button.get_attribute("aria-controls"))
    assert button.get_attribute("aria-expanded") == "true" and detail.is_visible()
    assert HOSTILE_PATH in detail.inner_text()
    assert "javascript:window.__pwned=1" in detail.inner_text()  # its referer
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "false"
    assert detail.is_hidden()
    page.keyboard.press("Space")
    assert button.get_attribute("aria-expanded") == "true" and detail.is_visible()
    assert HOSTILE_PATH in detail.inner_text()
    _inert(seen)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-hostile-tables.png"), full_page=True)


def test_a_dashboard_table_sorts_and_filters_hostile_keys_as_text_at_phone_width(
    open_report, hostile_report
):
    analysis, out = hostile_report
    seen = open_report(out, width=390, mobile=True)
    page = seen.page
    # every panel of the analysis is a table of the dashboard, in the nav too
    for name in analysis.panels:
        assert page.locator(f"#panel-{name}").count() == 1, name
    assert page.locator('nav a[href="#dashboard"]').count() == 1
    table = "t-panel-requests"
    page.locator(f"#{table}").scroll_into_view_if_needed()
    header = page.locator(f"#{table} thead th").nth(1)  # Requests
    header.locator("button").click()
    counts = [_number(t) for t in _column(page, table, 1)]
    assert counts == sorted(counts, reverse=True) and len(counts) == 5
    assert header.get_attribute("aria-sort") == "descending"
    page.locator(f"#{table} thead th").nth(0).locator("button").click()  # Path
    keys = _column(page, table, 0)
    assert keys == sorted(keys) and HOSTILE_PATH in keys
    _inert(seen)
    page.fill(f"#{table} input.filter", "</script><script>")
    assert _column(page, table, 0) == [HOSTILE_PATH]
    assert "1 of 1 matching" in page.inner_text(f"#{table} .tablestatus")
    # the user agents panel: the hostile agent is a cell's text, found by the filter
    page.fill("#t-panel-user_agents input.filter", "onerror")
    assert _column(page, "t-panel-user_agents", 0) == ['"><img src=x onerror="window.__pwned=1">']
    _inert(seen)
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    assert page.evaluate(OVERFLOW) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#dashboard").screenshot(path=str(ARTIFACTS / "report-dashboard-390px.png"))


def test_percent_encoded_keys_show_decoded_as_text_with_the_raw_form_on_hover(
    open_report, tmp_path
):
    encoded = "/%3C/script%3E%3Cscript%3Ewindow.__pwned=1%3C/script%3E"
    persian = "/filter/%D9%85%DA%AF%D8%A7%D9%BE%DB%8C%DA%A9%D8%B3%D9%84"
    lines = [
        f'192.0.2.1 - - [20/Nov/2026:10:{i:02d}:00 +0000] "GET {[encoded, persian][i % 2]} '
        f'HTTP/1.1" {404 if i % 2 else 200} 5 "-" "Mozilla/5.0"'
        for i in range(40)
    ]
    log = tmp_path / "encoded.log"
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "encoded.html"
    write_report(httplog.analyze(log), out)
    seen = open_report(out)
    page = seen.page
    table = "t-top-all-path"
    keys = _column(page, table, 1)
    assert set(keys) == {HOSTILE_PATH, "/filter/مگاپیکسل"}, keys
    titles = page.eval_on_selector_all(
        f"{_rows(table)} .key", "ks => ks.map(k => [k.textContent, k.title])"
    )
    assert sorted(titles) == sorted([[HOSTILE_PATH, encoded], ["/filter/مگاپیکسل", persian]])
    _inert(seen)
    # sorting and filtering redraw the cells: still text, still with their raw form;
    # the filter finds a key by either form
    page.locator(f"#{table} thead th").nth(1).locator("button").click()
    page.fill(f"#{table} input.filter", "%D9%85%DA")
    assert _column(page, table, 1) == ["/filter/مگاپیکسل"]
    page.fill(f"#{table} input.filter", "<script>")
    assert _column(page, table, 1) == [HOSTILE_PATH]
    assert page.get_attribute(f"{_rows(table)} .key", "title") == encoded
    _inert(seen)


def test_show_more_reveals_the_rows_the_report_holds(open_report, reports):
    page = open_report(reports["en"]).page
    table = "t-top-all-path"
    assert len(_column(page, table, 1)) == 10
    more = page.locator(f"#{table} .tablemore button").first
    assert more.inner_text() == "Show 10 more (90 not shown)"
    more.click()
    assert len(_column(page, table, 1)) == 20
    ranks = [int(r) for r in _column(page, table, 0)]
    assert ranks == list(range(1, 21))
    page.locator(f"#{table} .tablemore button.all").click()
    assert len(_column(page, table, 1)) == 100
    assert page.locator(f"#{table} .tablemore").is_hidden()
    assert page.inner_text(f"#{table} .tablestatus") == "100 of 100 rows"


def test_without_javascript_the_tables_show_the_same_rows(shared_report, reports):
    static = shared_report(reports["en"], javascript=False, charts=False).page
    drawn = shared_report(reports["en"]).page
    for table in ("t-status", "t-top-all-path", "t-top-4xx-path", "t-spikes", "t-rejected"):
        rows = _rows(table)
        cells = "rows => rows.map(r => Array.from(r.children).map(c => c.innerText.trim()))"
        assert static.eval_on_selector_all(rows, cells) == drawn.eval_on_selector_all(
            rows, cells
        ), table
    # without the script, the spikes' explanations are there, open
    assert static.locator("#t-spikes tr.detail").first.is_visible()
    assert static.locator("#charts noscript").count() == 1


# --- phone and print --------------------------------------------------------------------------

#: Elements reaching beyond the viewport, other than inside a box of their own that
#: scrolls or clips (plotly's off-screen text measurer is one such box).
OVERFLOW = """
() => {
  const boxed = e => {
    for (let p = e.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width && (r.right > innerWidth + 0.5 || r.left < -0.5) && !boxed(e)
        && !e.closest('[data-unformatted], .js-plotly-plot svg[style*="-10000"]')
        && !(r.right < 0 || r.left > innerWidth + 5000)) {
      out.push(e.tagName + ' ' + (e.id || e.className.baseVal || e.className) + ' '
               + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  return out;
}
"""


def _boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_phone_width_does_not_overflow_and_the_toolbar_covers_no_title(open_report, reports, lang):
    seen = open_report(reports[lang], width=390, mobile=True)
    page = seen.page
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    assert page.evaluate(OVERFLOW) == []
    # wide tables scroll inside their own box
    box = page.locator("#t-status .tablebox")
    assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    for chart in page.eval_on_selector_all(".plot", "ds => ds.map(d => d.id)"):
        page.locator(f"#{chart}").scroll_into_view_if_needed()
        page.hover(f"#{chart} .main-svg")
        bar = page.locator(f"#{chart} .modebar").bounding_box()
        title = page.locator(f"#{chart} .gtitle").bounding_box()
        assert bar and title, chart
        assert not _boxes_overlap(bar, title), chart
        assert title["x"] + title["width"] <= 390, chart
    assert seen.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-390px-{lang}.png"))
    page.screenshot(path=str(ARTIFACTS / f"report-390px-{lang}-full.png"), full_page=True)


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_print_fits_a4_hides_the_controls_and_keeps_charts_whole_with_every_detail(
    open_report, reports
):
    # (one page for what was two tests: printing at the screen's width, then at A4's)
    page = open_report(reports["en"]).page
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    # 12 before the print layout of issue 15 (10 after it), with the dashboard's
    # panels (eighteen small tables, two to a row) 12 again
    assert 4 <= _pdf_pages(pdf) <= 12
    (ARTIFACTS / "report.pdf").parent.mkdir(exist_ok=True)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)
    # print at the screen's width hides the modebar and keeps charts whole
    page.emulate_media(media="print")
    assert page.eval_on_selector(".modebar-container", "e => getComputedStyle(e).display") == "none"
    assert page.eval_on_selector("nav", "e => getComputedStyle(e).display") == "none"
    assert page.eval_on_selector(".chart", "e => getComputedStyle(e).breakInside") == "avoid"
    assert page.pdf(format="A4").startswith(b"%PDF")
    # what the printed page is laid out with: A4 less the margins is 703 CSS px
    page.set_viewport_size({"width": 703, "height": 1000})
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("document.documentElement.scrollWidth") <= 703
    assert page.evaluate(OVERFLOW) == []
    for hidden in ("nav", ".modebar-container", ".tablectl", ".tablemore", "button.expand"):
        assert page.eval_on_selector(hidden, "e => getComputedStyle(e).display") == "none", hidden
    assert page.locator("#t-spikes tr.detail").first.is_visible()  # explanations printed
    widths = page.eval_on_selector_all(
        ".plot .main-svg", "ss => ss.map(s => s.width.baseVal.value)"
    )
    assert set(widths) == {700}
    assert page.eval_on_selector(".chart", "e => getComputedStyle(e).breakInside") == "avoid"
    assert page.eval_on_selector("h2", "e => getComputedStyle(e).breakAfter") == "avoid"
    # descriptions wrap in a column of a readable width
    width = page.eval_on_selector(
        "#t-status td.description", "e => e.getBoundingClientRect().width"
    )
    assert width >= 200, width


def test_the_first_chart_shows_at_once_as_svg_and_plotly_replaces_it(
    shared_report, reports, sample_analysis
):
    # without JavaScript (as before plotly.js has run): the first chart is there,
    # one filled path per status class with requests, within the chart's box
    seen = shared_report(reports["en"], javascript=False)
    page = seen.page
    paths = page.eval_on_selector_all(
        "#chart-timeline svg.sketch path", "ps => ps.map(p => p.getBBox().height)"
    )
    classes = [
        c
        for c in ("1xx", "2xx", "3xx", "4xx", "5xx", "invalid")
        if c in sample_analysis.timeline.columns and sample_analysis.timeline[c].sum()
    ]
    assert len(paths) == len(classes) and all(h > 0 for h in paths), paths
    box = page.eval_on_selector(
        "#chart-timeline svg.sketch", "s => s.getBoundingClientRect().width"
    )
    assert 1000 < box <= 1366
    assert "Requests over time" in page.text_content("#chart-timeline svg.sketch")
    # with it: plotly draws the chart in its place
    seen = shared_report(reports["en"])
    assert seen.page.locator("#chart-timeline svg.sketch").count() == 0
    assert seen.page.locator("#chart-timeline .main-svg g.trace").count() >= 1
    assert seen.errors == []


def test_a_log_written_at_plus_0330_is_shown_on_its_own_clock(open_report, tmp_path):
    # Lines written 03:56–06:55 at +0330 (23:26–02:25 UTC): the default view is
    # the log's clock, said in the header, on the axis title and by its ticks.
    lines = [
        f"192.0.2.{i % 9} - - [22/Jan/2019:{3 + (56 + i) // 60:02d}:{(56 + i) % 60:02d}:14 +0330] "
        f'"GET /p{i % 4} HTTP/1.1" {500 if i % 11 == 0 else 200} 10 "-" "Mozilla/5.0"'
        for i in range(180)
    ]
    log = tmp_path / "shop.log"
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "shop.html"
    write_report(httplog.analyze(log), out)
    seen = open_report(out)
    page = seen.page
    assert "times in UTC+03:30, as written in the log" in page.inner_text(".subtitle")
    title = page.text_content("#chart-timeline .g-xtitle")
    assert title == "Time (UTC+03:30)", title
    ticks = page.eval_on_selector_all(
        "#chart-timeline .xtick text", "ts => ts.map(t => t.textContent)"
    )
    hours = [t[:3] for t in ticks if re.match(r"^\d\d:\d\d", t)]
    assert hours and set(hours) <= {"04:", "05:", "06:"}, ticks
    assert seen.errors == []
    _offline(seen)


# --- Chinese ------------------------------------------------------------------------------


def test_zh_report_has_chinese_controls_toolbar_and_dates(shared_report, reports):
    seen = shared_report(reports["zh"])
    page = seen.page
    assert page.get_attribute("#t-top-all-path input.filter", "placeholder") == "筛选…"
    assert page.inner_text("#t-top-all-path .tablemore button.all") == "全部显示"
    assert page.inner_text("#t-top-all-path .tablestatus") == "显示 10 行，共 100 行"
    ticks = page.eval_on_selector_all(
        "#chart-timeline .xtick text", "ts => ts.map(t => t.textContent)"
    )
    assert any("11月20日" in t or "2026年" in t for t in ticks), ticks
    assert not any("Nov" in t for t in ticks), ticks
    page.hover("#chart-timeline .main-svg")
    titles = page.eval_on_selector_all(
        "#chart-timeline .modebar-btn", "bs => bs.map(b => b.getAttribute('data-title'))"
    )
    assert "下载图表为 PNG 图片" in titles and "重置坐标轴" in titles, titles
    assert seen.errors == []


# --- a plotly.js bundle of one's own ------------------------------------------------------------


def test_a_bundle_given_by_path_is_embedded_and_draws(open_report, tmp_path, sample_analysis):
    from httplog.report.render import plotly_bundle

    bundle = tmp_path / "my-plotly.min.js"
    bundle.write_text(plotly_bundle("inline").js, encoding="utf-8")
    out = tmp_path / "own.html"
    write_report(sample_analysis, out, plotly_js=bundle)
    seen = open_report(out)
    assert seen.page.locator("#chart-timeline .main-svg g.trace").count() >= 1
    assert seen.errors == []
    _offline(seen)
