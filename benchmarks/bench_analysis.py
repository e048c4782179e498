"""The whole analysis (parse, every aggregate, spikes, explanations) against GoAccess.

    python benchmarks/bench_analysis.py [--repeat 3] [--lines 1000000] [--big 3000000]

On the same ``combined`` log (written by ``benchmarks/genlog.py`` into
``benchmarks/data/`` when missing), each run in its own process:

- ``httplog``: ``httplog.analyze(path)``: parse, counts by class and code,
  the timeline (auto window) with latency percentiles, top-N tables, bots,
  spikes and their explanations, annotated; the result is an ``Analysis``.
- ``goaccess``: ``goaccess FILE --log-format=COMBINED -o report.html`` (its
  own HTML report from the same log).

The two take turns, ``--repeat`` times. Prints lines/s, wall time and peak
RSS of each (best run by wall time, and the median; the machine is shared,
so the best run is the least disturbed one), their throughput ratio, and the peak RSS of httplog on
``--big`` lines against ``--lines`` (memory must not grow with the input
beyond the windows and the per-key tables: target ≤ 1.3×), as the ratio of
the median peak RSS over the runs (peak RSS varies by ±5% from run to run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

RUNNER = """
import sys, httplog
a = httplog.analyze(sys.argv[1])
assert a.parsed > 0 and a.timeline.height > 0
print(a.parsed, a.window, a.spikes.height, file=sys.stderr)
"""


@dataclass
class Run:
    wall: float
    rss_mb: float

    def __str__(self) -> str:
        return f"{self.wall:.2f} s, {self.rss_mb:.0f} MB"


def ensure_log(lines: int) -> Path:
    name = f"{lines // 1_000_000}m.log" if lines % 1_000_000 == 0 else f"{lines}.log"
    path = DATA / name
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        print(f"generating {path} ({lines} lines) ...", file=sys.stderr)
        cmd = [sys.executable, str(HERE / "genlog.py"), str(path), "--lines", str(lines)]
        subprocess.run(cmd, check=True)
    return path


def measure(cmd: list[str]) -> Run:
    """Wall time and peak RSS of one process (its own, from wait4)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"{cmd[0]} failed ({status}):\n{err}")
    return Run(wall, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def median_rss(runs: list[Run]) -> float:
    return statistics.median(r.rss_mb for r in runs)


def best(cmd: list[str], repeat: int, label: str) -> tuple[Run, list[Run]]:
    runs = []
    for i in range(repeat):
        runs.append(measure(cmd))
        print(f"  {label} run {i + 1}: {runs[-1]}", file=sys.stderr)
    return min(runs, key=lambda r: r.wall), runs


def httplog_cmd(path: Path) -> list[str]:
    return [sys.executable, "-c", RUNNER, str(path)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--big", type=int, default=3_000_000, help="0 to skip the memory test")
    a = ap.parse_args()

    log = ensure_log(a.lines)
    print(f"log: {log} ({a.lines} lines, {log.stat().st_size / 1e6:.0f} MB)")
    print(f"machine: {os.cpu_count()} cores; best of {a.repeat} runs by wall time")
    goaccess = shutil.which("goaccess")
    if not goaccess:
        print("goaccess not installed: no comparison")
    hl_runs: list[Run] = []
    ga_runs: list[Run] = []
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        ga_cmd = [str(goaccess), str(log), "--log-format=COMBINED", "-o", f"{tmp}/report.html"]
        # The two take turns, so that whatever else runs slows them alike.
        for i in range(a.repeat):
            hl_runs.append(measure(httplog_cmd(log)))
            print(f"  httplog run {i + 1}: {hl_runs[-1]}", file=sys.stderr)
            if goaccess:
                ga_runs.append(measure(ga_cmd))
                print(f"  goaccess run {i + 1}: {ga_runs[-1]}", file=sys.stderr)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    hl = min(hl_runs, key=lambda r: r.wall)
    ga = min(ga_runs, key=lambda r: r.wall) if ga_runs else None
    rows = [("httplog analyze", hl, hl_runs)]
    if ga:
        rows.append(("goaccess 1.7 html", ga, ga_runs))
    head = ("", "lines/s", "wall s", "median s", "peak RSS MB", "median MB")
    print("{:20} {:>12} {:>8} {:>9} {:>12} {:>10}".format(*head))
    for name, r, runs in rows:
        med = statistics.median(x.wall for x in runs)
        print(
            f"{name:20} {a.lines / r.wall:12,.0f} {r.wall:8.2f} {med:9.2f} "
            f"{r.rss_mb:12.0f} {median_rss(runs):10.0f}"
        )
    if ga:
        turns = [g.wall / h.wall for h, g in zip(hl_runs, ga_runs, strict=True)]
        print(
            f"throughput ratio httplog/goaccess: {ga.wall / hl.wall:.1f}x (best runs), "
            f"{statistics.median(turns):.1f}x (median of the turns; target >= 10x)"
        )
    if a.big:
        big = ensure_log(a.big)
        hb, hb_runs = best(httplog_cmd(big), a.repeat, "httplog big")
        ratio = median_rss(hb_runs) / median_rss(hl_runs)
        print(
            f"httplog {a.big:,} lines: {hb.wall:.2f} s, {a.big / hb.wall:,.0f} lines/s, "
            f"median peak RSS {median_rss(hb_runs):.0f} MB: {ratio:.2f}x the median at "
            f"{a.lines:,} lines (target <= 1.3x)"
        )


if __name__ == "__main__":
    main()
