"""Every chart of the report draws a mark for each series with data, in a real
browser, for every corpus log and every sample log (one report each).

Apart from test_report_browser.py so that the two halves of the browser tests
can run at once on two test processes (``--dist loadscope`` keeps a module on one).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import _offline, shared_path

import httplog
from httplog.report import write_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_logs"


# --- every chart draws what it has ----------------------------------------------------------

#: Marks of each trace with data: SVG shapes with a non-zero extent that are painted
#: (a filled shape of some area, or a stroked line of some length), per trace index.
MARKS = """
div => {
  const painted = el => {
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || +s.opacity === 0) return false;
    const b = el.getBBox();
    const filled = s.fill !== 'none' && +s.fillOpacity > 0 && b.width > 0 && b.height > 0;
    const stroked = s.stroke !== 'none' && parseFloat(s.strokeWidth) > 0 && (b.width > 0 || b.height > 0);
    return filled || stroked;
  };
  const marks = {};
  for (const g of div.querySelectorAll('.main-svg g.trace')) {
    const cd = g.__data__;
    const trace = cd && cd[0] && cd[0].trace;
    if (!trace) continue;
    const n = Array.from(g.querySelectorAll('path')).filter(painted).length;
    marks[trace.index] = (marks[trace.index] || 0) + n;
  }
  const series = div._fullData.map(t => ({
    index: t.index, name: t.name, type: t.type,
    values: (t.y || []).filter(v => v !== null && v !== undefined && v === v).length,
  }));
  return {series, marks};
}
"""

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


@pytest.mark.parametrize("name", CORPUS_FILES + sorted(SAMPLE_FORMATS))
def test_every_chart_draws_a_mark_for_each_series_with_data(open_report, tmp_path, name):
    log, fmt = _log_and_format(name)
    a = httplog.analyze(log, log_format=fmt)
    out = tmp_path / "report.html"
    write_report(a, out)
    seen = open_report(out)
    page = seen.page
    charts = page.eval_on_selector_all(".plot", "ds => ds.map(d => d.id)")
    assert bool(charts) == (a.requests > 0)
    for chart in charts:
        got = page.eval_on_selector(f"#{chart}", MARKS)
        for s in got["series"]:
            if s["values"]:
                marks = got["marks"].get(str(s["index"]), 0)
                assert marks > 0, f"{name}: {chart} draws nothing for {s['name']!r}"
    assert seen.errors == []
    _offline(seen)
