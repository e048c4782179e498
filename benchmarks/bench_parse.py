"""Parse-and-count throughput and peak memory: httplog against GoAccess, same files, same run.

    python benchmarks/bench_parse.py [--lines 1000000] [--big 3000000] [--repeat 3]

Generates combined logs with ``benchmarks/genlog.py`` into ``benchmarks/data/``
(gitignored; reused when present), then runs each measurement in a fresh
process, so that the peak RSS (from ``os.wait4``) belongs to that run alone:

- httplog parse-and-count: ``scan_logs(...)`` grouped by 5-minute window and
  status class (the parse runs on the block engine, extracting only the
  columns the count reads), on the plain file, on the ``.gz``, and on the
  ``--big`` plain file (for the memory ratio);
- the full parse (``read_logs``: every column, every line accounted for);
- GoAccess 1.7 on the same plain file, writing its JSON report and with
  ``--process-and-exit``; the faster of the two is the one compared.

Every measurement runs once per round, ``--repeat`` rounds, and the best wall
time is kept (other work shares the machine: rounds spread it over all the
measurements); peak RSS is the largest seen. The
httplog/GoAccess ratio uses whole-process wall times (interpreter and
imports included); the .gz/plain ratio uses the parse time measured inside
the process. Targets (issue #2): ≥ 15× GoAccess's throughput, .gz ≤ 1.3×
the plain time, peak RSS at 3× the lines ≤ 1.3× that at 1×.
"""

from __future__ import annotations

import argparse
import json
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

# Child programs: print the seconds the work took (after imports) and a check value.
COUNT = """
import sys, time
import polars as pl
import httplog
t = time.perf_counter()
counts = (
    httplog.scan_logs(sys.argv[1], log_format="combined")
    .group_by(window=pl.col("time").dt.truncate("5m"), cls=pl.col("status") // 100)
    .agg(requests=pl.len())
    .collect()
)
print(time.perf_counter() - t, counts["requests"].sum())
"""
FULL = """
import sys, time
import httplog
t = time.perf_counter()
log = httplog.read_logs(sys.argv[1], log_format="combined")
print(time.perf_counter() - t, log.parsed + log.rejected)
"""
ANALYZE = """
import sys, time
import httplog
t = time.perf_counter()
a = httplog.analyze(sys.argv[1], log_format="combined")
print(time.perf_counter() - t, a.parsed + a.rejected)
"""


@dataclass
class Run:
    label: str
    lines: int
    wall: float  # whole process, best of the repeats
    work: float | None  # inside the process, after imports (httplog only)
    rss_mib: float  # peak RSS, largest of the repeats

    @property
    def rate(self) -> float:
        return self.lines / self.wall


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one fresh process."""
    with tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=HERE.parent, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])}… failed with status {proc.returncode}:\n{text}")
    return wall, usage.ru_maxrss / 1024, text


def one(
    label: str, cmd: list[str], lines: int, check: int | None, env: dict[str, str] | None = None
) -> Run:
    wall, rss, out = measure(cmd, env)
    work = None
    if check is not None:
        secs, counted = out.split()
        work = float(secs)
        if int(counted) != check:
            raise SystemExit(f"{label}: counted {counted} lines, expected {check}")
    return Run(label, lines, wall, work, rss)


def best(runs: list[Run]) -> Run:
    """Best wall (and in-process) time of the repeats, largest peak RSS."""
    works = [r.work for r in runs if r.work is not None]
    return Run(
        runs[0].label,
        runs[0].lines,
        min(r.wall for r in runs),
        min(works) if works else None,
        max(r.rss_mib for r in runs),
    )


def ensure_log(lines: int, gz: bool = False) -> Path:
    """benchmarks/data/combined_<n>.log[.gz], generated once by genlog.py."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"combined_{lines}.log{'.gz' if gz else ''}"
    if not path.exists():
        print(f"generating {path.name} …", file=sys.stderr)
        tmp = path.with_suffix(path.suffix + ".tmp")
        cmd = [sys.executable, str(HERE / "genlog.py"), str(tmp), "--lines", str(lines)]
        subprocess.run([*cmd, *(["--gzip"] if gz else [])], check=True)
        tmp.rename(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--big", type=int, default=3_000_000, help="lines of the memory run (0: skip)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-goaccess", action="store_true")
    ap.add_argument("--analyze", action="store_true", help="also time httplog.analyze")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument(
        "--pythonpath",
        help="PYTHONPATH of the httplog children: another source tree (an older checkout, "
        "for before/after figures) or extra packages",
    )
    ap.add_argument(
        "--baseline",
        help="PYTHONPATH of a baseline httplog (an older checkout): its parse runs are "
        "measured in the same rounds, for before/after figures",
    )
    a = ap.parse_args()
    if a.pythonpath:
        dirs = a.pythonpath.split(os.pathsep)
        os.environ["PYTHONPATH"] = os.pathsep.join(os.path.abspath(d) for d in dirs)

    plain, gz = ensure_log(a.lines), ensure_log(a.lines, gz=True)
    big = ensure_log(a.big) if a.big else None
    py = sys.executable
    n = a.lines
    # key: (label, command, lines, lines the child must report, or None for GoAccess)
    plan: dict[str, tuple[str, list[str], int, int | None]] = {
        "count": ("httplog parse+count, plain", [py, "-c", COUNT, str(plain)], n, n),
        "count_gz": ("httplog parse+count, .gz", [py, "-c", COUNT, str(gz)], n, n),
    }
    if big:
        label = f"httplog parse+count, plain, {a.big:,} lines"
        plan["count_big"] = (label, [py, "-c", COUNT, str(big)], a.big, a.big)
    plan["full"] = ("httplog read_logs (all columns)", [py, "-c", FULL, str(plain)], n, n)
    if a.analyze:
        plan["analyze"] = ("httplog analyze (report data)", [py, "-c", ANALYZE, str(plain)], n, n)
    tmp = tempfile.TemporaryDirectory()
    if not a.skip_goaccess:
        exe = shutil.which("goaccess")
        if exe is None:
            raise SystemExit(
                "goaccess is not installed (apt-get install goaccess); --skip-goaccess"
            )
        out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
        version = out.split("\n")[0].removesuffix(".")
        base = [exe, str(plain), "--log-format=COMBINED", "--no-global-config"]
        plan["goaccess_json"] = (
            f"{version}, JSON report",
            [*base, "-o", f"{tmp.name}/o.json"],
            n,
            None,
        )
        plan["goaccess_pae"] = (
            f"{version}, --process-and-exit",
            [*base, "--process-and-exit"],
            n,
            None,
        )

    envs: dict[str, dict[str, str] | None] = dict.fromkeys(plan)
    if a.baseline:
        # The same httplog measurements with another source tree, in the same rounds.
        env = dict(os.environ)
        dirs = a.baseline.split(os.pathsep)
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(d) for d in dirs)
        for key in [k for k in plan if not k.startswith("goaccess")]:
            label, cmd, lines, check = plan[key]
            plan[f"{key}@baseline"] = (f"{label} [baseline]", cmd, lines, check)
            envs[f"{key}@baseline"] = env

    # Rounds of every measurement, so that other work on the machine spreads over all.
    seen: dict[str, list[Run]] = {k: [] for k in plan}
    for i in range(a.repeat):
        for key, (label, cmd, lines, check) in plan.items():
            seen[key].append(one(label, cmd, lines, check, envs[key]))
            print(f"round {i + 1}: {label}: {seen[key][-1].wall:.2f} s", file=sys.stderr)
    tmp.cleanup()
    runs = {k: best(v) for k, v in seen.items()}

    size = plain.stat().st_size / 2**20
    print(
        f"\nbest wall time of {a.repeat} rounds, largest peak RSS; {os.cpu_count()} cores; "
        f"{n:,} combined lines = {size:.0f} MiB"
    )
    print(f"{'':44s} {'lines/s':>12s} {'wall s':>8s} {'parse s':>8s} {'RSS MiB':>8s}")
    for r in runs.values():
        work = f"{r.work:8.2f}" if r.work is not None else f"{'':8s}"
        print(f"{r.label:44s} {r.rate:12,.0f} {r.wall:8.2f} {work} {r.rss_mib:8.0f}")

    ratios: dict[str, float] = {}
    print()
    if "goaccess_json" in runs:
        ga = min(runs["goaccess_json"], runs["goaccess_pae"], key=lambda r: r.wall)
        ratios["vs_goaccess"] = ga.wall / runs["count"].wall
        print(
            f"httplog / GoAccess throughput (whole processes): {ratios['vs_goaccess']:6.1f}x  (target >= 15x)"
        )
    count, count_gz = runs["count"].work, runs["count_gz"].work
    assert count is not None and count_gz is not None
    ratios["gz_over_plain"] = count_gz / count
    print(
        f".gz / plain parse time:                          {ratios['gz_over_plain']:6.2f}x  (target <= 1.3x)"
    )
    if big:
        ratios["rss_big_over_small"] = runs["count_big"].rss_mib / runs["count"].rss_mib
        times = a.big / a.lines
        print(
            f"peak RSS at {times:g}x the lines / at 1x:              {ratios['rss_big_over_small']:6.2f}x  (target <= 1.3x)"
        )
    for key, r in runs.items():
        if key.endswith("@baseline"):
            now = runs[key.removesuffix("@baseline")]
            speed = r.wall / now.wall
            print(
                f"{now.label:44s} {speed:5.2f}x the baseline's speed, {now.rss_mib / r.rss_mib:4.2f}x its RSS"
            )
    if a.json:
        figures = {"runs": {k: vars(v) for k, v in runs.items()}, "ratios": ratios}
        Path(a.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
