"""Every chart of the report draws a mark for each series with data, in a real
browser, for every corpus log and every sample log (one report each).

Apart from test_report_browser.py so that the two halves of the browser tests
can run at once on two test processes (``--dist loadscope`` keeps a module on one).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    PAINTED_PATHS_PER_TRACE,
    Opened,
    _offline,
    _open_in,
    release,
    shared_path,
    wait_for_charts,
)

import httplog
from httplog.report import write_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_logs"


# --- every chart draws what it has ----------------------------------------------------------

#: Marks of each trace with data: SVG shapes with a non-zero extent that are painted
#: (a filled shape of some area, or a stroked line of some length), per trace index.
MARKS = (
    """
div => {
  const painted = el => {
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || +s.opacity === 0) return false;
    const b = el.getBBox();
    const filled = s.fill !== 'none' && +s.fillOpacity > 0 && b.width > 0 && b.height > 0;
    const stroked = s.stroke !== 'none' && parseFloat(s.strokeWidth) > 0 && (b.width > 0 || b.height > 0);
    return filled || stroked;
  };
  const marks = ("""
    + PAINTED_PATHS_PER_TRACE
    + """)(div, painted);
  const series = div._fullData.map(t => ({
    index: t.index, name: t.name, type: t.type,
    values: (t.y || []).filter(v => v !== null && v !== undefined && v === v).length,
  }));
  return {series, marks};
}
"""
)

CORPUS_FILES = [
    "elastic-examples/apache_logs",
    "basjes-logparser/hackers-access.log",
    "basjes-logparser/access_log.gz",
    "lnav/logfile_shop_access_log.0",
    "lnav/logfile_access_log.0",
    "lnav/logfile_regexp_access_log.0",
    "databricks-reference-apps/apache.access.log",  # used in place, never copied
]
SAMPLE_FORMATS = {
    name: spec["format"]
    for name, spec in json.loads((SAMPLES / "manifest.json").read_text())["files"].items()
}


def _log_and_format(name: str) -> tuple[Path, str | None]:
    if name in SAMPLE_FORMATS:
        return SAMPLES / name, SAMPLE_FORMATS[name]
    return shared_path("corpus", "real", *name.split("/")), None


NAMES = CORPUS_FILES + sorted(SAMPLE_FORMATS)
#: Reports loading at once: each load is mostly the browser's (plotly.js compiled,
#: every chart drawn, the charts below the fold a second later, when it is idle), so
#: the next reports are written and start loading while a test reads its page.
AHEAD = 3


@dataclasses.dataclass
class Loading:
    """One log's report, written and loading in a page of its own (or why not)."""

    requests: int = 0
    seen: Opened | None = None
    error: BaseException | None = None


@pytest.fixture(scope="module")
def drawn(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable]:
    """``drawn(name)``: (the report of log ``name`` open with every chart drawn, the
    analysis' request count). The reports of the next ``AHEAD - 1`` names start
    loading first; a page is closed once the next name is asked for. A log that
    fails to analyse or open fails its own test only."""
    loading: dict[str, Loading] = {}
    held: dict[str, list[Any]] = {}  # the tabs of each name's page
    read: list[str] = []  # the names asked for: their pages are done with

    def start(name: str) -> None:
        got = loading[name] = Loading()
        try:
            log, fmt = _log_and_format(name)
            a = httplog.analyze(log, log_format=fmt)
            out = tmp_path_factory.mktemp("corpus-report") / "report.html"
            write_report(a, out)
            got.requests = a.requests
            got.seen = _open_in(browser, held.setdefault(name, []), out, charts=False)
        except BaseException as e:  # (pytest's skip and fail too: raised by the test)
            got.error = e

    def close(name: str) -> None:
        release(held.pop(name, []))

    def get(name: str) -> tuple[Opened, int]:
        for done in read:
            close(done)
        read.append(name)
        i = NAMES.index(name)
        for n in [name, *NAMES[i + 1 : i + AHEAD]]:
            if n not in loading:
                start(n)
        got = loading[name]
        if got.error is not None:
            raise got.error
        assert got.seen is not None
        wait_for_charts(got.seen.page)
        return got.seen, got.requests

    yield get
    for name in list(held):
        close(name)


@pytest.mark.parametrize("name", NAMES)
def test_every_chart_draws_a_mark_for_each_series_with_data(drawn, name):
    seen, requests = drawn(name)
    page = seen.page
    charts = page.eval_on_selector_all(".plot", "ds => ds.map(d => d.id)")
    assert bool(charts) == (requests > 0)
    for chart in charts:
        got = page.eval_on_selector(f"#{chart}", MARKS)
        for s in got["series"]:
            if s["values"]:
                marks = got["marks"].get(str(s["index"]), 0)
                assert marks > 0, f"{name}: {chart} draws nothing for {s['name']!r}"
    assert seen.errors == []
    _offline(seen)
