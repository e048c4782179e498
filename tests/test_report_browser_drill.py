"""Drilling down in the report, in a real browser: panel rows that expand into their
breakdowns, the per-host error-rate chart and the host spikes table.

Playwright driving Debian's Chromium (``/usr/bin/chromium``), every request but the
report itself aborted. The analyses are hand-made from the sample log with
:func:`dataclasses.replace`: ``breakdowns``, ``host_timeline`` and ``host_spikes``
filled with frames of the shapes ``Analysis`` documents, hostile keys included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from conftest import PAINTED_PATHS_PER_TRACE, Opened, _open_in, release

import httplog
from httplog.report import write_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"
CHROMIUM = "/usr/bin/chromium"
HOSTILE_KEY = "</script><script>window.__pwned=1</script>"
HOSTILE_IMG = '"><img src=x onerror="window.__pwned=1">'
HOSTILE_HOST = "<b>host</b><script>window.__pwned=1</script>"
HOSTILE_LOG = ROOT / "tests" / "data" / "hostile.log"


DRAWN = (
    "() => Array.from(document.querySelectorAll('.plot'))"
    ".every(d => d.querySelector('.main-svg'))"
    " && document.querySelectorAll('.ht.interactive').length > 0"
)


@pytest.fixture(scope="module")
def ahead(browser, sample, hostile, tmp_path_factory) -> Iterator[dict[str, tuple[Path, object]]]:
    """This module's reports, written and loading at once before its tests take them
    (each load is seconds of the browser's, drawing every chart): name -> (path, the
    page loading it). A test waits for its page's charts: :func:`_take`."""
    d = tmp_path_factory.mktemp("drill")
    made = {
        "drill": dataclasses.replace(sample, breakdowns=_breakdowns(sample)),
        "plain": dataclasses.replace(sample, breakdowns=type(sample.breakdowns)()),
        "hosts": _hosts(sample),
        "hostile-drill": dataclasses.replace(hostile, breakdowns=_hostile_breakdowns(hostile)),
    }
    held: list = []
    pages = {}
    for name, a in made.items():
        out = d / f"{name}.html"
        write_report(a, out)
        # loaded, charts perhaps not yet drawn; every request but the report's aborted
        pages[name] = (out, _open_in(browser, held, out, charts=False))
    yield pages
    release(held)


def _take(ahead, name: str) -> Opened:
    """The page loading report ``name`` (:func:`ahead`), every chart drawn: the page,
    its console and page errors, dialogs and blocked requests."""
    seen = ahead[name][1]
    seen.page.wait_for_function(DRAWN, timeout=60_000)
    return seen


@pytest.fixture(scope="module")
def sample(sample_log_analysis) -> httplog.Analysis:
    return sample_log_analysis


@pytest.fixture(scope="module")
def hostile() -> httplog.Analysis:
    return httplog.analyze(HOSTILE_LOG)


def _breakdowns(a: httplog.Analysis) -> dict[str, pl.DataFrame]:
    """Breakdowns of the first rows of three panels, as ``Analysis.breakdowns`` holds them."""
    p0, p1 = a.panels["requests"]["path"].head(2).to_list()
    client = a.panels["hosts"]["remote_addr"][0]
    nf = a.panels["not_found"]["path"][0]
    return {
        "requests": pl.DataFrame(
            {
                "key": [p0, p0, p0, p0, p1],
                "dimension": ["status", "status", "method", "method", "status"],
                "value": ["200", "404", "GET", HOSTILE_KEY, "200"],
                "requests": [900, 12, 905, 7, 40],
                "delta": [0, 0, 0, 0, 3],
            }
        ),
        "hosts": pl.DataFrame(
            {
                "key": [client, client],
                "dimension": ["path", "path"],
                "value": ["/caf%C3%A9", HOSTILE_IMG],
                "requests": [4, 2],
                "delta": [0, 0],
            }
        ),
        "not_found": pl.DataFrame(
            {
                "key": [nf],
                "dimension": ["referer"],
                "value": ["javascript:window.__pwned=1"],
                "requests": [1],
                "delta": [0],
            }
        ),
    }


def _inert(seen: Opened) -> None:
    page = seen.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main img, main section script, main [onerror]").count() == 0
    assert seen.errors == [] and seen.dialogs == []


def test_a_panel_row_expands_into_its_breakdowns_by_keyboard_with_hostile_values_as_text(
    ahead, sample
):
    a = dataclasses.replace(sample, breakdowns=_breakdowns(sample))
    seen = _take(ahead, "drill")
    page = seen.page
    # a URL: its status codes and methods, each a small table, closed at first
    button = page.locator("#t-panel-requests button.expand").first
    detail = page.locator("#" + button.get_attribute("aria-controls"))
    assert button.get_attribute("aria-expanded") == "false" and detail.is_hidden()
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true" and detail.is_visible()
    titles = detail.locator("h5").all_inner_texts()
    assert titles == ["Status codes", "Methods"]
    text = detail.inner_text()
    assert "404 Not Found" in text and "GET" in text
    assert HOSTILE_KEY in text  # a value that looks like markup is text
    rows = detail.locator("table.sub").first.locator("tbody tr").all_inner_texts()
    assert rows[0].split("\t")[:2] == ["200 OK", "900"]  # most requests first
    # the second URL's counts are estimated: its table says so
    second = page.locator("#t-panel-requests button.expand").nth(1)
    second.click()
    second_detail = page.locator("#" + second.get_attribute("aria-controls"))
    assert "may be short by up to 3" in second_detail.inner_text()
    button.focus()
    page.keyboard.press("Space")  # the keyboard closes it too
    assert button.get_attribute("aria-expanded") == "false" and detail.is_hidden()
    # only rows with a breakdown have a button
    assert page.locator("#t-panel-requests button.expand").count() == 2
    # a client: its paths, decoded for people, raw on hover; a hostile path as text
    client = page.locator("#t-panel-hosts button.expand").first
    client.click()
    cdetail = page.locator("#" + client.get_attribute("aria-controls"))
    assert cdetail.locator("h5").all_inner_texts() == ["Paths"]
    assert "/café" in cdetail.inner_text() and HOSTILE_IMG in cdetail.inner_text()
    assert cdetail.locator("span.key[title='/caf%C3%A9']").count() == 1
    # a not-found URL: its referers
    nf = page.locator("#t-panel-not_found button.expand").first
    nf.click()
    nfdetail = page.locator("#" + nf.get_attribute("aria-controls"))
    assert "javascript:window.__pwned=1" in nfdetail.inner_text()
    assert nfdetail.locator("a").count() == 0
    # sorting and filtering keep the expandable rows working
    page.fill("#t-panel-requests input.filter", a.panels["requests"]["path"][0])
    assert page.locator("#t-panel-requests button.expand").count() >= 1
    _inert(seen)
    assert seen.blocked == []


def test_a_panel_without_breakdowns_has_no_expand_buttons(ahead):
    seen = _take(ahead, "plain")
    assert seen.page.locator("[id^='t-panel-'] button.expand").count() == 0
    assert seen.errors == [] and seen.dialogs == []


def _hosts(a: httplog.Analysis) -> httplog.Analysis:
    """Two hosts, one with a 5xx spike of its own, the other only every other window."""
    t0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    rows = []
    for host, windows in (("shop.example", 20), (HOSTILE_HOST, 6)):
        for i in range(windows):
            lone = host == HOSTILE_HOST and i % 2 == 1  # windows without requests: gaps
            req = 0 if lone else 100
            e5 = (40 if i == 10 else 1) if req else 0
            e4 = 5 if req else 0
            rows.append(
                (
                    host,
                    t0 + timedelta(minutes=5 * i),
                    t0 + timedelta(minutes=5 * i + 5),
                    req,
                    e4,
                    e5,
                    e4 / req if req else None,
                    e5 / req if req else None,
                )
            )
    columns = ["host", "start", "end", "requests", "4xx", "5xx", "rate_4xx", "rate_5xx"]
    tl = pl.DataFrame(rows, schema=columns, orient="row")
    spikes = pl.DataFrame(
        {
            "host": ["shop.example"],
            "spike": [1],
            "kind": ["5xx"],
            "start": [t0 + timedelta(minutes=50)],
            "end": [t0 + timedelta(minutes=55)],
            "windows": [1],
            "requests": [100],
            "errors": [40],
            "peak_rate": [0.4],
            "baseline_rate": [0.01],
            "excess": [39],
            "overall": [False],
        }
    )
    return dataclasses.replace(a, host_timeline=tl, host_spikes=spikes)


#: Per trace of a chart: its values and the painted paths/points it draws.
MARKS = (
    """
div => {
  const painted = p => {
    const d = p.getAttribute('d') || '';
    if (d.length < 4 || d === 'M0,0Z') return false;
    const b = p.getBBox();
    return b.width > 0 || b.height > 0;
  };
  const marks = ("""
    + PAINTED_PATHS_PER_TRACE
    + """)(div, painted);
  return div._fullData.map(t => ({
    name: t.name, values: (t.y || []).filter(v => v !== null && v === v).length,
    marks: marks[t.index] || 0}));
}
"""
)


def test_host_error_rates_draw_every_host_and_the_host_spikes_table_lists_them(ahead):
    seen = _take(ahead, "hosts")
    page = seen.page
    chart = page.locator("#chart-host_error_rates")
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelector('#chart-host_error_rates .main-svg g.trace')"
    )
    traces = page.eval_on_selector("#chart-host_error_rates", MARKS)
    assert len(traces) == 4  # 4xx and 5xx for each of the two hosts
    for t in traces:
        assert t["values"] > 0 and t["marks"] > 0, t
    titles = page.eval_on_selector_all(
        "#chart-host_error_rates .annotation-text", "ts => ts.map(t => t.textContent)"
    )
    assert "shop.example" in titles and HOSTILE_HOST in titles  # the host's name as text
    assert page.locator("#chart-host_error_rates b, #chart-host_error_rates script").count() == 0
    # the host spikes table, with its host, and whether the overall rate shows it
    cells = page.locator("#t-host-spikes tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == "shop.example"
    assert cells[-1] == "no: hidden in the overall rate"
    _inert(seen)
    assert seen.blocked == []


def test_without_hosts_there_is_no_host_chart_nor_host_spikes_table(sample, tmp_path):
    page = httplog.report.render_report(sample, plotly_js="cdn")
    assert sample.host_timeline is None
    assert "chart-host_error_rates" not in page and "t-host-spikes" not in page
    zh = httplog.report.render_report(_hosts(sample), plotly_js="cdn", lang="zh")
    assert "各虚拟主机的错误峰值" in zh and "各虚拟主机的 4xx 与 5xx 错误率" in zh


def _hostile_paths(a: httplog.Analysis) -> list[str]:
    return [p for p in a.panels["requests"]["path"].to_list() if "<" in p or '"' in p]


def _hostile_breakdowns(a: httplog.Analysis) -> dict[str, pl.DataFrame]:
    """A breakdown (a status and the path itself) of every hostile path of the hostile log."""
    hostile = _hostile_paths(a)
    breakdown = pl.DataFrame(
        {
            "key": [p for p in hostile for _ in range(2)],
            "dimension": ["status", "path"] * len(hostile),
            "value": ["500", "dummy"] * len(hostile),
            "requests": [1, 1] * len(hostile),
            "delta": [0, 0] * len(hostile),
        }
    ).with_columns(
        value=pl.when(pl.col("dimension") == "path").then(pl.col("key")).otherwise("value")
    )
    return {"requests": breakdown}


def test_breakdown_rows_of_hostile_keys_expand_as_text_and_nothing_runs(ahead, hostile):
    paths = hostile.panels["requests"]["path"].to_list()
    hostile = _hostile_paths(hostile)
    assert hostile, paths
    seen = _take(ahead, "hostile-drill")
    page = seen.page
    buttons = page.locator("#t-panel-requests button.expand")
    assert buttons.count() == len(hostile)
    for i in range(buttons.count()):
        buttons.nth(i).click()
    details = page.locator("#t-panel-requests tr.detail").all_inner_texts()
    text = "\n".join(details)
    for key in hostile:
        if key.isprintable():  # (invisible characters are shown as <U+XXXX>)
            assert key in text, key
    assert HOSTILE_KEY in text
    # sorting and filtering with rows open move text, never markup
    page.locator("#t-panel-requests thead th").nth(0).locator("button").click()
    page.fill("#t-panel-requests input.filter", "<script>")
    _inert(seen)
    assert seen.blocked == []
