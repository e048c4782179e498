"""Where things are on the report's first screen: the headline figures, then the
first chart, whole on a laptop's screen (1280x720); the log's facts after the
charts, in a section of their own that the navigation links to; nothing wider
than a phone's screen (390 px).

The browser tests open the report in Debian's Chromium with every request but the
report's own aborted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import open_watched

import httplog
from httplog.report import render_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"

#: The page has left its lazy layout (report.js sets it).
LAID_OUT = "() => window.httplogLaidOut === true"


@pytest.fixture(scope="module")
def page_file(sample_log_report) -> Path:
    """The sample's report, shared with the other modules that only read it."""
    return sample_log_report


def test_the_sections_come_in_order_and_the_navigation_links_each(page_file):
    page = page_file.read_text(encoding="utf-8")
    order = ["summary", "charts", "details", "status", "spikes", "top", "rejected"]
    at = [page.index(f'<section id="{s}">') for s in order]
    assert at == sorted(at)
    nav = page[page.index("<nav>") : page.index("</nav>")]
    for s in order:
        assert f'href="#{s}"' in nav, s
    # the cards in the summary, the facts and the classes in the details
    summary = page[at[0] : at[1]]
    details = page[at[2] : at[3]]
    assert 'class="cards"' in summary and 'class="facts"' not in summary
    assert 'class="facts"' in details and 'class="classes"' in details
    assert 'class="inputs"' in details


@pytest.fixture()
def empty_page(tmp_path) -> str:
    log = tmp_path / "empty.log"
    log.write_text("", encoding="utf-8")
    return render_report(httplog.analyze(log), plotly_js="cdn")


def test_the_empty_report_says_so_in_the_summary_and_has_no_charts(empty_page):
    summary = empty_page[
        empty_page.index('<section id="summary">') : empty_page.index('<section id="details">')
    ]
    assert 'class="notice"' in summary
    assert '<section id="charts">' not in empty_page
    assert 'href="#charts"' not in empty_page


def _open(browser, path: Path, width: int, height: int) -> tuple[object, list[str], object]:
    return open_watched(browser, path, LAID_OUT, width=width, height=height)


def _box(page, selector: str) -> dict:
    return page.eval_on_selector(
        selector,
        "e => { const b = e.getBoundingClientRect();"
        " return {top: b.top, bottom: b.bottom, left: b.left, right: b.right}; }",
    )


@pytest.mark.browser
def test_the_first_chart_is_on_a_laptops_first_screen(browser, page_file):
    page, errors, tab = _open(browser, page_file, 1280, 720)
    assert page.evaluate("window.scrollY") == 0
    cards = _box(page, "#summary .cards")
    chart = _box(page, "#charts .plot")
    assert cards["bottom"] < chart["top"]  # the headline figures first
    assert chart["top"] < 400, chart
    assert chart["bottom"] <= 720, chart  # the whole chart, its legend too
    assert page.locator("#charts .plot").first.evaluate("e => e.id") == "chart-timeline"
    assert page.locator("#chart-timeline.drawn .main-svg").count() >= 1
    # the facts are a link away, and read as text (find in page, innerText)
    assert page.locator('nav a[href="#details"]').count() == 1
    text = page.inner_text("#details")
    assert "Time range" in text and "Log format" in text and "2xx success" in text
    assert page.inner_text("#details h2") == "Log details"
    page.click('nav a[href="#details"]')
    page.wait_for_function("() => window.scrollY > 0")
    heading = _box(page, "#details h2")
    masthead = _box(page, ".masthead")
    assert heading["top"] >= masthead["bottom"] - 1  # not under the sticky header
    assert errors == []
    tab.release()


@pytest.mark.browser
def test_the_first_screen_fits_a_phone_without_overflow(browser, page_file):
    page, errors, tab = _open(browser, page_file, 390, 844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cards = _box(page, "#summary .cards")
    chart = _box(page, "#charts .plot")
    assert cards["bottom"] < chart["top"] < 844  # the first chart starts on the first screen
    assert chart["right"] <= 390
    assert errors == []
    tab.release()


SECTIONS_BELOW = ["details", "status", "spikes", "top", "dashboard", "rejected"]

# Installed before the page's scripts: when the parser adds the tables' data block
# (the end of the page), how the sections below the charts are laid out then.
_WATCH_LAYOUT = """
new MutationObserver((records, observer) => {
  if (document.getElementById('httplog-tables')) {
    window.__atParse = {
      lazy: document.documentElement.classList.contains('lazy-layout'),
      visibility: Array.from(document.querySelectorAll('main > section'))
        .map(s => [s.id, getComputedStyle(s).contentVisibility]),
    };
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


@pytest.mark.browser
def test_the_sections_below_the_charts_are_laid_out_lazily_only_until_the_first_chart(
    browser, page_file
):
    page, errors, tab = open_watched(browser, page_file, LAID_OUT, script=_WATCH_LAYOUT)
    at_parse = page.evaluate("window.__atParse")
    assert at_parse["lazy"] is True
    visibility = dict(at_parse["visibility"])
    assert visibility["summary"] == visibility["charts"] == "visible"
    assert all(visibility[s] == "auto" for s in SECTIONS_BELOW), visibility
    # once the first chart is painted: laid out as usual, every section's text
    # there for innerText (and find in page), none of it skipped
    assert page.locator("#chart-timeline.drawn").count() == 1
    assert page.evaluate("document.documentElement.classList.contains('lazy-layout')") is False
    for s in SECTIONS_BELOW:
        assert page.eval_on_selector(f"#{s}", "e => getComputedStyle(e).contentVisibility") == (
            "visible"
        )
        assert len(page.inner_text(f"#{s}")) > 20, s
    assert "Not Found" in page.inner_text("#status")
    assert page.evaluate("window.find('Rejected lines') && window.find('Log details')")
    assert errors == []
    tab.release()


@pytest.mark.browser
def test_printing_before_the_first_chart_lays_out_every_section(browser, page_file):
    # plotly.js never finishes inflating here: the page stays lazy until it prints
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    url = page_file.resolve().as_uri()
    ctx.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
    # an inflate that never ends, and no fallback after 5 s
    ctx.add_init_script(
        "window.DecompressionStream = class { constructor() {"
        " const t = new TransformStream({transform() {}, flush() { return new Promise(() => {}); }});"
        " this.writable = t.writable; this.readable = t.readable; } };"
        "const later = window.setTimeout.bind(window);"
        "window.setTimeout = (f, ms, ...a) => (ms >= 5000 ? 0 : later(f, ms, ...a));"
    )
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_function("() => performance.getEntriesByName('httplog:decode').length === 1")
    page.wait_for_timeout(300)
    assert page.evaluate("window.httplogChartsSettled") is None
    assert page.evaluate("document.documentElement.classList.contains('lazy-layout')")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("document.documentElement.classList.contains('lazy-layout')") is False
    assert len(page.inner_text("#rejected")) > 20
    ctx.close()
