"""The HTML report in a browser: size and time to the first chart, httplog against GoAccess.

    python benchmarks/bench_report.py [LOG] --repeat 7
    python benchmarks/bench_report.py --full         # also httplog with plotly.py's full bundle
    python benchmarks/bench_report.py --quick        # smoke test: 3,000 lines, one load each
    python benchmarks/bench_report.py --baseline-src OLD/src   # also the report of older code
    python benchmarks/bench_report.py --baseline-src A/src --baseline-src B/src   # several

For the same access log (default ``sample_logs/nginx_access.log``), writes
httplog's report (``httplog analyze LOG -o httplog.html``) and GoAccess's
(``goaccess LOG --log-format=COMBINED -o goaccess.html``), then prints for
each:

- the report's size in bytes, and gzipped (``gzip -6``, as a web server
  would send it);
- **time to first chart**: from navigation start to the frame in which the
  first chart of the page shows data. For httplog, the first chart div
  (``#charts .plot``) holds the page's static SVG of the chart (``svg.sketch``
  with a non-empty path: the same data, drawn by httplog while plotly.js
  loads) or a plotly ``.main-svg`` with a trace (``g.trace``) whose path has a
  non-empty ``d``; **time to first interactive chart**: the plotly one; for
  GoAccess, its first ``.chart-wrap`` (d3) holds a data point, a bar or a
  line of more than one point. A ``MutationObserver`` installed before the
  page's scripts run sees the marks appear (printed too, as "in the DOM");
  the time is taken in the next ``requestAnimationFrame``, i.e. the frame
  that paints them (later when the page's scripts keep the main thread busy);
- ``DOMContentLoaded`` (the event's start) and the ``load`` event's end,
  from the Navigation Timing entry.

Headless Chromium (``/usr/bin/chromium``, ``--no-sandbox``) driven by
Playwright; every request other than the ``file://`` report is aborted
(``route.abort``) and counted, so a report that needs the network shows it.
Each load is a fresh browser context (no cache). The two reports take turns
for ``--repeat`` loads; medians are printed, and the httplog/GoAccess
ratios. Target (issue 15): httplog's report ≤ 2.0 MB and its first chart
within 1.0 s. With ``--full``, a third report of the same analysis embeds
plotly.py's full plotly.js bundle (``write_report(..., plotly_js=PATH)``),
which shows what the default partial bundle buys.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_LOG = ROOT / "sample_logs" / "nginx_access.log"
CHROMIUM = "/usr/bin/chromium"

# Installed before any script of the page runs: watches the DOM until the
# first chart shows data, then notes the time of the frame that paints it.
WATCH_FIRST_CHART = """
(() => {
  const plotlyDrawn = () => {
    const div = document.querySelector('#charts .plot') || document.querySelector('.js-plotly-plot');
    if (!div) return false;
    for (const p of div.querySelectorAll('.main-svg g.trace path')) {
      const d = p.getAttribute('d') || '';
      if (d.length > 4 && d !== 'M0,0Z') return true;
    }
    return false;
  };
  const goaccessDrawn = () => {
    const div = document.querySelector('.chart-wrap');
    if (!div) return false;
    if (div.querySelector('svg circle.point, svg rect.bar')) return true;
    return [...div.querySelectorAll('svg path[class^="line"]')].some(
      p => (p.getAttribute('d') || '').includes('L'));
  };
  // httplog's first chart is in the page as a static SVG (svg.sketch, the same data)
  // until plotly.js draws it: the first chart is whichever comes first, the first
  // interactive chart the plotly one (GoAccess's d3 chart is both)
  const sketchDrawn = () => {
    const div = document.querySelector('#charts .plot');
    const p = div && div.querySelector('svg.sketch path');
    return !!p && (p.getAttribute('d') || '').length > 4;
  };
  const stamp = (name) => {
    window[name + 'Dom'] = performance.now();
    requestAnimationFrame(() => { window[name] = performance.now(); });
  };
  const check = () => {
    const interactive = plotlyDrawn() || goaccessDrawn();
    if (window.__firstChartDom === undefined && (interactive || sketchDrawn())) {
      stamp('__firstChart');
    }
    if (interactive && window.__firstInteractiveDom === undefined) {
      stamp('__firstInteractive');
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {childList: true, subtree: true, attributes: true,
                              attributeFilter: ['d', 'class']});
})();
"""


@dataclass
class Report:
    name: str
    path: Path
    first_chart: list[float] = field(default_factory=list)  # ms
    chart_dom: list[float] = field(default_factory=list)
    interactive: list[float] = field(default_factory=list)  # ms to the first plotly/d3 chart
    dcl: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    # httplog's own performance measures (report.js): name -> [(start ms, duration ms)]
    steps: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def gzipped(self) -> int:
        return len(gzip.compress(self.path.read_bytes(), compresslevel=6))


def httplog_cmd() -> list[str]:
    """The ``httplog`` console script of this interpreter (no shell shim)."""
    script = Path(sys.executable).with_name("httplog")
    return [str(script)] if script.exists() else [sys.executable, "-m", "httplog"]


def baseline_name(src: Path) -> str:
    """``httplog@<checkout>``: the name of the directory that holds ``src/``."""
    src = src.resolve()
    return "httplog@" + (src.parent.name if src.name == "src" else src.name)


def write_reports(
    log: Path,
    out: Path,
    goaccess_format: str,
    full: bool,
    baselines: list[Path] | None = None,
) -> list[Report]:
    hl = out / "httplog.html"
    subprocess.run([*httplog_cmd(), "analyze", str(log), "-o", str(hl), "-q"], check=True)
    ga = out / "goaccess.html"
    cmd = ["goaccess", str(log), f"--log-format={goaccess_format}", "-o", str(ga)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reports = [Report("httplog", hl), Report("goaccess", ga)]
    for i, baseline in enumerate(baselines or []):  # the report of another checkout's code
        hb = out / f"httplog-base{i or ''}.html"
        env = dict(os.environ, PYTHONPATH=str(baseline.resolve()))
        base_cmd = [sys.executable, "-m", "httplog", "analyze", str(log), "-o", str(hb), "-q"]
        subprocess.run(base_cmd, check=True, env=env)
        reports.append(Report(baseline_name(baseline), hb))
    if full:
        from plotly.offline import get_plotlyjs

        import httplog

        bundle = out / "plotly-full.min.js"
        bundle.write_text(get_plotlyjs(), encoding="utf-8")
        hf = out / "httplog-full.html"
        httplog.write_report(httplog.analyze(log), hf, plotly_js=bundle)
        reports.append(Report("httplog-full", hf))
    return reports


def load(browser: object, report: Report, timeout_ms: float) -> None:
    """One load of the report in a fresh context: its timings, blocked requests."""
    ctx = browser.new_context()

    def route(r: object) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            report.blocked.add(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    ctx.add_init_script(WATCH_FIRST_CHART)
    page = ctx.new_page()
    try:
        page.goto(report.path.as_uri(), wait_until="load", timeout=timeout_ms)
        page.wait_for_function(
            "() => window.__firstChart !== undefined && window.__firstInteractive !== undefined",
            timeout=timeout_ms,
        )
        first, dom, interactive, dcl, end, steps = page.evaluate(
            """() => {
              const n = performance.getEntriesByType('navigation')[0];
              const steps = performance.getEntriesByType('measure')
                .filter(m => m.name.startsWith('httplog:'))
                .map(m => [m.name.slice(8), m.startTime, m.duration]);
              return [window.__firstChart, window.__firstChartDom, window.__firstInteractive,
                      n.domContentLoadedEventStart, n.loadEventEnd, steps];
            }"""
        )
        for name, start, duration in steps:
            report.steps.setdefault(name, []).append((start, duration))
    finally:
        ctx.close()
    report.first_chart.append(first)
    report.interactive.append(interactive)
    report.chart_dom.append(dom)
    report.dcl.append(dcl)
    report.load.append(end)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", nargs="?", type=Path, default=DEFAULT_LOG)
    ap.add_argument("--repeat", type=int, default=5, help="loads of each report (medians)")
    ap.add_argument("--quick", action="store_true", help="first 3,000 lines, one load each")
    ap.add_argument("--goaccess-format", default="COMBINED", help="GoAccess --log-format")
    ap.add_argument(
        "--full", action="store_true", help="also httplog's report with the full plotly.js"
    )
    ap.add_argument("--keep", type=Path, help="also copy both reports into this directory")
    ap.add_argument(
        "--baseline-src",
        type=Path,
        action="append",
        help="also the report written by the httplog of this src/ directory "
        "(httplog@<its checkout's directory name>), loaded in turn with the others; "
        "repeat for several",
    )
    ap.add_argument("--timeout", type=float, default=60, help="seconds allowed per load")
    a = ap.parse_args()
    if not shutil.which("goaccess"):
        raise SystemExit("goaccess not found (apt-get install goaccess)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("playwright is not installed (pip install playwright)") from None

    with tempfile.TemporaryDirectory(prefix="bench_report-") as tmp:
        out = Path(tmp)
        log = a.log
        repeat = a.repeat
        if a.quick:
            log = out / "quick.log"
            with a.log.open("rb") as src:
                log.write_bytes(b"".join(line for _, line in zip(range(3000), src, strict=False)))
            repeat = 1
        reports = write_reports(log, out, a.goaccess_format, a.full, a.baseline_src)
        if a.keep:
            a.keep.mkdir(parents=True, exist_ok=True)
            for r in reports:
                shutil.copy(r.path, a.keep / r.path.name)
        load_before = os.getloadavg()
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            try:
                for i in range(repeat):
                    for r in reports:  # turns: whatever else runs slows both alike
                        load(browser, r, a.timeout * 1000)
                    print(
                        f"  load {i + 1}: "
                        + ", ".join(
                            f"{r.name} first chart {r.first_chart[-1]:.0f} ms" for r in reports
                        ),
                        file=sys.stderr,
                    )
            finally:
                browser.close()

        load_after = os.getloadavg()
        lines = sum(1 for _ in log.open("rb"))
        print(
            f"\n### reports of {a.log.name}{' (first 3,000 lines)' if a.quick else ''}: "
            f"{lines:,} lines, medians of {repeat} load{'s' if repeat > 1 else ''}"
            f" (load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; "
            f"{os.cpu_count()} cores)\n"
        )
        print(
            "| report | bytes | gzipped | first chart ms | (its marks in the DOM) ms "
            "| first interactive chart ms | DOMContentLoaded ms | load ms |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        med = {}
        for r in reports:
            med[r.name] = m = {
                "size": r.size,
                "gz": r.gzipped,
                "first": statistics.median(r.first_chart),
                "dom": statistics.median(r.chart_dom),
                "interactive": statistics.median(r.interactive),
                "dcl": statistics.median(r.dcl),
                "load": statistics.median(r.load),
            }
            print(
                f"| {r.name} | {m['size']:,} | {m['gz']:,} | {m['first']:.0f} | {m['dom']:.0f} "
                f"| {m['interactive']:.0f} | {m['dcl']:.0f} "
                f"| {m['load']:.0f} |"
            )
        for r in reports:
            if r.steps:
                print(
                    f"\n{r.name}: where the first interactive chart's time goes "
                    "(report.js's performance measures, medians: start → duration ms): "
                    + ", ".join(
                        f"{name} {statistics.median(s for s, _ in v):.0f} → "
                        f"{statistics.median(d for _, d in v):.0f}"
                        for name, v in r.steps.items()
                    )
                )
        g = med["goaccess"]
        print()
        for name in [n for n in med if n != "goaccess"]:
            h = med[name]
            print(
                f"ratio {name}/goaccess: size {h['size'] / g['size']:.2f}x, gzipped "
                f"{h['gz'] / g['gz']:.2f}x, first chart {h['first'] / g['first']:.2f}x, "
                f"DOMContentLoaded {h['dcl'] / g['dcl']:.2f}x"
            )
        h = med["httplog"]
        hr = reports[0]
        for r in reports:
            if not r.name.startswith("httplog@"):
                continue
            b = med[r.name]

            def paired(x: list[float], y: list[float]) -> float:
                # the median of the rounds' own ratios (each round loads both in turn)
                return statistics.median(u / v for u, v in zip(x, y, strict=True))

            print(
                f"ratio httplog/{r.name}: first chart {h['first'] / b['first']:.2f}x, "
                f"first interactive chart {h['interactive'] / b['interactive']:.2f}x, "
                f"DOMContentLoaded {h['dcl'] / b['dcl']:.2f}x, load {h['load'] / b['load']:.2f}x, "
                f"size {h['size'] / b['size']:.3f}x; paired (median of the rounds' ratios): "
                f"first interactive chart {paired(hr.interactive, r.interactive):.2f}x, "
                f"DOMContentLoaded {paired(hr.dcl, r.dcl):.2f}x, "
                f"load {paired(hr.load, r.load):.2f}x"
            )
        print(
            f"httplog: {h['size'] / 1e6:.2f} MB (target <= 2.0 MB), first chart "
            f"{h['first'] / 1000:.2f} s (target <= 1.0 s), first interactive chart "
            f"{h['interactive'] / 1000:.2f} s"
        )
        blocked = {r.name: len(r.blocked) for r in reports}
        print(
            "check: every load drew its first chart; requests blocked (network off): "
            + ", ".join(f"{k} {v}" for k, v in blocked.items())
        )


if __name__ == "__main__":
    main()
