"""The whole analysis (parse, every aggregate, spikes, explanations) against GoAccess.

    python benchmarks/bench_analysis.py [--repeat 3] [--lines 1000000] [--big 3000000]

On the same ``combined`` log (written by ``benchmarks/genlog.py`` into
``benchmarks/data/`` when missing), each run in its own process:

- ``httplog``: ``httplog.analyze(path)``: parse, counts by class and code,
  the timeline (auto window) with latency percentiles, top-N tables, bots,
  spikes and their explanations, annotated; the result is an ``Analysis``.
- ``goaccess``: ``goaccess FILE --log-format=COMBINED -o report.html`` (its
  own HTML report from the same log).

Prints lines/s, wall time and peak RSS of each (best of ``--repeat`` runs by
wall time; the machine is shared, so the best run is the least disturbed
one), their throughput ratio, and the peak RSS of httplog on ``--big`` lines
against ``--lines`` (memory must not grow with the input beyond the windows
and the per-key tables: target ≤ 1.3×).
"""

from __future__ import annotations

import argparse
import os
import shutil
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


def best(cmd: list[str], repeat: int, label: str) -> tuple[Run, list[Run]]:
    runs = []
    for i in range(repeat):
        r = measure(cmd)
        print(f"  {label} run {i + 1}: {r.wall:.2f} s, {r.rss_mb:.0f} MB", file=sys.stderr)
        runs.append(r)
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
    hl, _ = best(httplog_cmd(log), a.repeat, "httplog")
    rows = [("httplog analyze", hl)]
    goaccess = shutil.which("goaccess")
    ga = None
    if goaccess:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [goaccess, str(log), "--log-format=COMBINED", "-o", f"{tmp}/report.html"]
            ga, _ = best(cmd, a.repeat, "goaccess")
        rows.append(("goaccess 1.7 html", ga))
    else:
        print("goaccess not installed: no comparison")
    print(f"{'':20} {'lines/s':>12} {'wall s':>8} {'peak RSS MB':>12}")
    for name, r in rows:
        print(f"{name:20} {a.lines / r.wall:12,.0f} {r.wall:8.2f} {r.rss_mb:12.0f}")
    if ga:
        print(f"throughput ratio httplog/goaccess: {ga.wall / hl.wall:.1f}x (target >= 10x)")
    if a.big:
        big = ensure_log(a.big)
        hb, _ = best(httplog_cmd(big), a.repeat, "httplog big")
        print(
            f"httplog {a.big:,} lines: {hb.wall:.2f} s, {a.big / hb.wall:,.0f} lines/s, "
            f"peak RSS {hb.rss_mb:.0f} MB; {hb.rss_mb / hl.rss_mb:.2f}x the RSS at "
            f"{a.lines:,} lines (target <= 1.3x)"
        )


if __name__ == "__main__":
    main()
