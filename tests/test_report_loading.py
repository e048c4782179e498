"""How the page loads plotly.js: expanded from the page, run from a blob: URL whose
integrity is the hash the CSP admits, and inline when that is refused; the first
chart before the tables.

The browser tests open the report in Debian's Chromium with every request but the
report's own aborted (the blob: URL is the page's own memory, not a request).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import zlib
from pathlib import Path

import pytest
from conftest import open_watched

from httplog.report.render import unbase122

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def page_file(sample_log_report) -> Path:
    """The sample's report, shared with the other modules that only read it."""
    return sample_log_report


def _charts_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="httplog-charts">(.*?)</script>', page)
    assert m
    return json.loads(m.group(1))


def test_the_integrity_of_plotly_js_is_the_hash_the_csp_admits(page_file):
    page = page_file.read_text(encoding="utf-8")
    m = re.search(r'id="httplog-plotly"[^>]*data-bytes="(\d+)">(.*?)</script>', page, re.S)
    assert m
    js = zlib.decompress(unbase122(m.group(2), int(m.group(1))), -15)
    digest = "sha256-" + base64.b64encode(hashlib.sha256(js).digest()).decode()
    assert _charts_data(page)["integrity"] == digest
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    csp = html.unescape(csp)
    assert f"'{digest}'" in csp
    assert "blob:" not in csp.split("script-src")[1].split(";")[0]  # no blob: source


def test_plotly_js_and_the_charts_script_come_before_the_tables(page_file):
    page = page_file.read_text(encoding="utf-8")
    plotly = page.index('id="httplog-plotly"')
    assert page.index('id="charts"') < plotly < page.index('id="status"')
    assert plotly < page.index('id="httplog-tables"')


def _open(browser, path: Path) -> tuple[object, list[str], list[str], object]:
    """``path`` in a tab at 1280x720 (every other request aborted), once its first
    chart is drawn and its tables built: the page, its page errors, the requests
    aborted, the tab (to release)."""
    page, errors, tab = open_watched(
        browser,
        path,
        "() => document.querySelector('#charts .plot .main-svg')"
        " && document.querySelector('.ht.interactive')",
    )
    return page, errors, tab.seen.aborted, tab


@pytest.fixture(scope="module")
def opened(browser, page_file):
    """The sample's report open (:func:`_open`), for the tests that only read it."""
    page, errors, blocked, tab = _open(browser, page_file)
    yield page, errors, blocked
    tab.release()


@pytest.mark.browser
def test_plotly_js_runs_from_a_blob_url_and_draws_before_the_tables_are_built(opened):
    page, errors, blocked = opened
    srcs = page.evaluate("Array.from(document.scripts).map(s => s.src).filter(Boolean)")
    assert len(srcs) == 1 and srcs[0].startswith("blob:"), srcs
    assert page.evaluate("typeof Plotly") == "object"
    assert errors == [] and blocked == []


@pytest.mark.browser
def test_a_refused_blob_script_falls_back_to_the_inline_script_the_same_hash_admits(
    browser, page_file, tmp_path
):
    # an integrity that can't match: the blob: script is refused, the inline one runs
    page_text = page_file.read_text(encoding="utf-8")
    wrong = "sha256-" + base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    tampered = re.sub(r'"integrity":"sha256-[^"]+"', f'"integrity":"{wrong}"', page_text)
    assert tampered != page_text
    out = tmp_path / "fallback.html"
    out.write_text(tampered, encoding="utf-8")
    page, errors, blocked, tab = _open(browser, out)
    assert page.evaluate("Array.from(document.scripts).filter(s => s.src).length") == 0
    assert page.evaluate("typeof Plotly") == "object"
    assert page.locator("#charts .plot .main-svg").count() > 0
    assert errors == [] and blocked == []
    tab.release()


def test_an_x_array_several_traces_share_is_written_once(page_file):
    data = _charts_data(page_file.read_text(encoding="utf-8"))
    timeline = next(f for f in data["figures"] if f["id"] == "chart-timeline")["figure"]
    traces = timeline["data"]
    assert len(traces) > 1
    assert all("x" not in t for t in traces)
    refs = {t["httplog_x"] for t in traces}
    assert len(refs) == 1
    shared = data["xs"][refs.pop()]
    assert len(shared) > 100 and len(data["xs"]) == len({json.dumps(x) for x in data["xs"]})
    # every trace of the sample's timeline covers the same windows: in the page once
    text = json.dumps(shared, separators=(",", ":"))
    assert page_file.read_text(encoding="utf-8").count(text) == 1


def test_the_sample_report_keeps_a_margin_under_two_megabytes(page_file):
    assert page_file.stat().st_size <= 1_970_000


@pytest.mark.browser
def test_each_trace_gets_its_shared_x_array_back_before_it_is_drawn(opened):
    page, errors, blocked = opened
    lengths = page.evaluate(
        "document.getElementById('chart-timeline').data.map(t => [t.x.length, t.y.length,"
        " 'httplog_x' in t])"
    )
    assert len(lengths) > 1
    assert all(x == y and x > 100 and not leftover for x, y, leftover in lengths), lengths
    assert errors == [] and blocked == []


def _measures(page) -> dict[str, tuple[float, float]]:
    """report.js's performance measures: name -> (start, end) in ms."""
    return {
        name[len("httplog:") :]: (start, start + duration)
        for name, start, duration in page.evaluate(
            "performance.getEntriesByType('measure').map(m => [m.name, m.startTime, m.duration])"
        )
        if name.startswith("httplog:")
    }


# Installed before the page's scripts: when the parser adds the tables' data block
# (the page after the charts), and no idle callback ever runs (only what comes near
# the viewport, or printing, draws a chart).
_WATCH_TABLES_NO_IDLE = """
window.requestIdleCallback = () => 0;
new MutationObserver((records, observer) => {
  if (document.getElementById('httplog-tables')) {
    window.__tablesParsed = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def _open_watched(browser, path: Path, height: int = 720) -> tuple[object, list[str], object]:
    return open_watched(
        browser,
        path,
        "() => window.httplogChartsSettled === true",
        script=_WATCH_TABLES_NO_IDLE,
        height=height,
    )


@pytest.mark.browser
def test_plotly_js_is_inflated_once_the_page_is_parsed_not_before(browser, page_file):
    # decoded and inflated in the DOMContentLoaded event and the microtasks after
    # it: the parser is not held up (the tables' data is parsed before the decoding
    # starts), and nothing waits for a frame or a task after the event
    page, errors, tab = _open_watched(browser, page_file)
    m = _measures(page)
    tables_parsed = page.evaluate("window.__tablesParsed")
    dcl_start, dcl_end = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.domContentLoadedEventStart, n.domContentLoadedEventEnd]; })()"
    )
    assert tables_parsed <= dcl_start <= m["decode"][0] <= dcl_end, (m, dcl_start, dcl_end)
    assert m["decode"][1] <= m["inflate"][0]
    assert "wait-first-paint" not in m
    assert errors == []
    tab.release()


@pytest.mark.browser
def test_the_first_chart_is_drawn_before_the_other_figures_are_prepared(browser, page_file):
    page, errors, tab = _open_watched(browser, page_file)
    ids = page.evaluate("Array.from(document.querySelectorAll('#charts .plot')).map(e => e.id)")
    first, last = ids[0], ids[-1]
    assert first == "chart-timeline" and len(ids) > 2
    m = _measures(page)
    assert m[f"prepare {first}"][0] >= m["plotly-load-run"][1]
    # the charts more than 300 px below the viewport (report.js's NEAR) are neither
    # prepared nor drawn yet; those nearer are, after the first
    near = page.evaluate(
        "Array.from(document.querySelectorAll('#charts .plot'))"
        ".filter(e => e.getBoundingClientRect().top < window.innerHeight + 300).map(e => e.id)"
    )
    assert near[0] == first and last not in near
    assert [i for i in ids if f"prepare {i}" in m] == near, m
    assert all(m[f"draw {first}"][1] <= m[f"prepare {i}"][0] for i in near[1:]), m
    assert page.locator(f"#{last} .main-svg").count() == 0
    assert page.locator(f"#{last}").get_attribute("class").split() == ["plot", f"plot-{last[6:]}"]
    # scrolled into view, they are drawn, after the first
    page.evaluate(f"document.getElementById('{last}').scrollIntoView()")
    page.locator(f"#{last} .main-svg").first.wait_for(timeout=30_000)
    m = _measures(page)
    others = [m[f"prepare {i}"][0] for i in ids[1:] if f"prepare {i}" in m]
    assert others and m[f"draw {first}"][1] <= min(others), m
    assert errors == []
    tab.release()


@pytest.mark.browser
def test_printing_draws_every_chart_not_drawn_yet(browser, page_file):
    page, errors, tab = _open_watched(browser, page_file)
    total = page.locator("#charts .plot").count()
    drawn = page.locator("#charts .plot.drawn").count()
    assert 1 <= drawn < total  # the rest wait for the viewport (no idle callback here)
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("#charts .plot.drawn").count() == total
    assert page.locator("#charts .plot .main-svg").count() >= total
    assert page.locator("svg.sketch").count() == 0  # the static chart, replaced
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    assert errors == []
    tab.release()


@pytest.mark.browser
def test_the_static_chart_stays_until_plotly_js_draws_it(browser, page_file, tmp_path):
    # a page whose plotly.js can't run (its integrity and its hash can't match):
    # the first chart stays the static SVG, and the notice says the charts failed
    page_text = page_file.read_text(encoding="utf-8")
    broken = re.sub(r'data-bytes="(\d+)"', lambda m: f'data-bytes="{int(m[1]) - 100}"', page_text)
    assert broken != page_text
    out = tmp_path / "broken.html"
    out.write_text(broken, encoding="utf-8")
    page, errors, tab = _open_watched(browser, out)
    assert page.locator("#chart-timeline svg.sketch path").count() > 0
    assert page.locator("#charts .plot.drawn").count() == 0
    assert page.locator("#charts-unavailable").is_visible()
    # no chart to paint first: the sections below are laid out at once
    assert page.evaluate("document.documentElement.classList.contains('lazy-layout')") is False
    assert errors == []  # the failure is the notice, not an uncaught error
    tab.release()


# Installed before the page's scripts: each requestIdleCallback request (when, and
# how many charts were drawn then), and each idle callback's drawing (the charts
# drawn before and after it).
_WATCH_IDLE = """
window.__idleRequests = [];
window.__idleRuns = [];
const realIdle = window.requestIdleCallback.bind(window);
const drawnIds = () => Array.from(document.querySelectorAll('#charts .plot.drawn')).map(e => e.id);
window.requestIdleCallback = (cb, opts) => {
  window.__idleRequests.push([performance.now(), drawnIds().length]);
  return realIdle((deadline) => {
    const before = drawnIds();
    cb(deadline);
    window.__idleRuns.push(drawnIds().filter(i => !before.includes(i)));
  }, opts);
};
"""


@pytest.mark.browser
def test_the_charts_below_the_fold_follow_the_first_one_an_idle_period_each(browser, page_file):
    # no fixed wait: the first idle period is asked for in the task that draws the
    # first chart, and each idle callback draws one chart, in the page's order,
    # until every chart is drawn without any scrolling
    page, errors, tab = open_watched(
        browser,
        page_file,
        "() => Array.from(document.querySelectorAll('#charts .plot'))"
        ".every(d => d.classList.contains('drawn'))",
        script=_WATCH_IDLE,
    )
    ids = page.evaluate("Array.from(document.querySelectorAll('#charts .plot')).map(e => e.id)")
    m = _measures(page)
    requests = page.evaluate("window.__idleRequests")
    runs = page.evaluate("window.__idleRuns")
    first_done = m["first-draw"][1]
    assert requests and requests[0][1] == 1, requests  # asked for once the first is drawn
    assert requests[0][0] - first_done < 250, (requests[0], first_done)  # not a timer's wait
    assert all(len(r) <= 1 for r in runs), runs  # one chart an idle period
    by_idle = [r[0] for r in runs if r]
    assert by_idle, runs
    assert by_idle == [i for i in ids if i in by_idle]  # in the page's order
    assert all(m[f"draw {i}"][0] >= first_done for i in ids[1:])
    assert errors == []
    tab.release()
