"""httplog against its peers: a DuckDB query, a polars script and GoAccess, same files, same run.

    python benchmarks/bench_peers.py --genlog ../shared/bench/genlog.py --repeat 5
    python benchmarks/bench_peers.py --genlog ../shared/bench/genlog.py --quick --repeat 1  # smoke test

Every measurement is one process of its own, timed from the outside: wall
time, CPU time (user + sys) and peak RSS from the child's ``os.wait4``
rusage (forked from a small launcher process, so that this script's own
memory is not counted in it). The figures printed are medians over
``--repeat`` rounds.

``peers`` mode (the contenders take turns, A B C D A B C D …, so that
whatever else runs on the machine slows them alike):

- ``httplog``: ``httplog analyze FILE -o report.html`` (everything, report
  written);
- ``duckdb``: the core query a data-minded user writes by hand (DuckDB 2):
  ``read_csv`` of raw lines, ``regexp_extract`` of the three groups it needs
  (time, request, status) in a ``WITH … AS MATERIALIZED`` (without it the
  regex over a subquery runs once per field used), then three ``GROUP BY``s:
  per-status counts, 5-minute window × status class, the top 10 paths;
- ``polars``: the same in about 20 lines of polars (``str.extract_groups``,
  streaming engine, the three group-bys in one ``collect_all``);
- ``goaccess``: ``goaccess FILE --log-format=COMBINED -o out.html`` (its
  dashboard).

The files: ``real-1m`` and ``real-3m`` from the shared generator (``genlog.py
--lines 1000000 --seed 7 --spikes 3 --garbage-rate 0.0005``, and 3M lines
with ``--seed 8``), and ``distinct-1m``, a log where every line has a new
client, path, referer and agent, written by this script. Files go to
``benchmarks/data/`` (git-ignored) and are reused.

Before the timed rounds, an untimed ``httplog analyze FILE --no-report
--json`` warms the page cache and gives httplog's per-status counts; the
DuckDB and polars programs print theirs, GoAccess's come from the data in
its HTML report. All must agree with each other and with what the generator
wrote (lines that are not a valid combined record are not counted by any of
them; see ``garbage`` in the output); the script exits 1 when they don't.

``state`` mode: ``httplog analyze --state DIR`` on the all-distinct log,
then 1,000 more lines appended and the second run timed (``--repeat``
times, from the same saved state). ``startup`` mode: ``httplog --help``,
``httplog analyze empty.log --no-report``, and the same 1M-line file plain
and ``.gz``.

Targets (issue 16): httplog ≤ 1.0× DuckDB and faster than polars,
≥ 25× GoAccess; all-distinct ≤ 1.5× the realistic file's time and
≤ 512 MiB; state run < 1 s and < 300 MiB; ``--help`` ≤ 0.25 s, empty log
≤ 0.5 s; ``.gz`` ≤ 1.1× plain.

``--quick`` is a smoke test (the figures mean nothing): a few thousand lines
(still with junk 400 records and a malformed line in the generated files), no
warm-up runs, and fewer httplog runs: the counts come from the timed run's
own ``--json``; only the first file of ``peers`` writes a report (the others
run ``--no-report``); ``state``'s first run is ``--no-report`` and its check
reads the last ``--no-report`` run's ``--json``; ``startup``'s plain and
``.gz`` runs are ``--no-report``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_GENLOG = ROOT.parent / "shared" / "bench" / "genlog.py"
CONTENDERS = ("httplog", "duckdb", "polars", "goaccess")
#: Extra flags for every timed ``httplog analyze`` (``--httplog-args``); the default
#: run has every panel of the dashboard on and writes the report.
HTTPLOG_ARGS: list[str] = []
MIB = 1024 * 1024

# The combined format, with only the three fields the core answers need
# captured: time, request line, status. Written once for both engines (RE2
# and Rust's regex read it alike); a line that doesn't match isn't counted.
QUOTED = r'[^"\\]*(?:\\.[^"\\]*)*'
LINE_RE = (
    rf'^\S+ \S+ \S+ \[(?P<ts>[^\]]*)\] "(?P<req>{QUOTED})" (?P<status>\d{{3}}) (?:\d+|-) '
    rf'"{QUOTED}" "{QUOTED}"$'
)

DUCKDB_QUERY = r"""
import json, sys
import duckdb

path, line_re = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute("SET enable_progress_bar = false")  # it would write to stdout
query = r'''
WITH m AS MATERIALIZED (
    SELECT regexp_extract(line, $re, ['ts', 'req', 'status']) AS g
    FROM read_csv($path, columns = {'line': 'VARCHAR'}, header = false, delim = E'\x1f',
                  quote = '', escape = '', new_line = '\n', auto_detect = false,
                  strict_mode = false, ignore_errors = true)
), p AS (  -- not materialized: the conversions are cheap, a table of them isn't
    SELECT strptime(g.ts, '%d/%b/%Y:%H:%M:%S %z') AS t,
           split_part(split_part(g.req, ' ', 2), '?', 1) AS path,
           g.status::SMALLINT AS status
    FROM m WHERE g.status <> ''
)
SELECT
    (SELECT count(*) FROM m) AS lines,
    (SELECT list({'status': status, 'n': n})
       FROM (SELECT status, count(*) AS n FROM p GROUP BY status)) AS statuses,
    (SELECT list({'window': w, 'class': c, 'n': n})
       FROM (SELECT time_bucket(INTERVAL 5 MINUTE, t) AS w, status // 100 AS c, count(*) AS n
             FROM p GROUP BY ALL)) AS windows,
    (SELECT list({'path': path, 'n': n})
       FROM (SELECT path, count(*) AS n FROM p GROUP BY path ORDER BY n DESC LIMIT 10)) AS top
'''
lines, statuses, windows, top = con.execute(query, {"re": line_re, "path": path}).fetchone()
print(json.dumps({
    "lines": lines,
    "status": {str(s["status"]): s["n"] for s in statuses},
    "windows": len(windows),
    "top": [t["path"] for t in top],
}))
"""

POLARS_SCRIPT = r"""
import json, sys
import polars as pl

path, line_re = sys.argv[1], sys.argv[2]
lines = pl.scan_csv(path, has_header=False, separator="\x1f", quote_char=None,
                    schema={"line": pl.String}, encoding="utf8-lossy", truncate_ragged_lines=True)
parsed = (
    lines.select(pl.col("line").str.extract_groups(line_re)).unnest("line")
    .filter(pl.col("status").is_not_null())
    .select(
        t=pl.col("ts").str.strptime(pl.Datetime("us", "UTC"), "%d/%b/%Y:%H:%M:%S %z"),
        path=pl.col("req").str.split(" ").list.get(1, null_on_oob=True).str.split("?").list.first(),
        status=pl.col("status").cast(pl.Int16),
    )
)
by_status = parsed.group_by("status").len()
by_window = parsed.group_by(pl.col("t").dt.truncate("5m"), cls=pl.col("status") // 100).len()
top = parsed.group_by("path").len().top_k(10, by="len")
n, by_status, by_window, top = pl.collect_all(
    [lines.select(pl.len()), by_status, by_window, top], engine="streaming")
print(json.dumps({
    "lines": n.item(),
    "status": {str(s): c for s, c in by_status.iter_rows()},
    "windows": by_window.height,
    "top": top["path"].to_list(),
}))
"""


# --- inputs ------------------------------------------------------------------


@dataclass(frozen=True)
class LogFile:
    key: str  # real-1m, real-3m, distinct-1m
    path: Path
    lines: int
    truth: Counter  # per-status counts of the valid records, as written

    @property
    def size_mb(self) -> float:
        return self.path.stat().st_size / 1e6


def sizes(quick: bool) -> dict[str, int]:
    if quick:  # the generated ones with junk 400 records and a malformed line (seeds 7, 8)
        return {"real-1m": 3_000, "real-3m": 6_000, "distinct-1m": 1_000}
    return {"real-1m": 1_000_000, "real-3m": 3_000_000, "distinct-1m": 1_000_000}


def label(lines: int) -> str:
    return f"{lines // 1_000_000}m" if lines % 1_000_000 == 0 else f"{lines // 1000}k"


def generated(key: str, lines: int, data: Path, genlog: Path) -> LogFile:
    """A realistic log from the shared generator (made once, then reused)."""
    seed = 8 if key == "real-3m" else 7
    path = data / f"real-{label(lines)}-s{seed}.log"
    truth_path = path.with_suffix(".truth.json")
    if not (path.exists() and truth_path.exists()):
        if not genlog.exists():
            raise SystemExit(f"{genlog} not found: pass --genlog PATH (the shared genlog.py)")
        print(f"generating {path} ...", file=sys.stderr)
        # (a name of this process's own: another run may be writing the same log)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        opts = ["--lines", str(lines), "--seed", str(seed), "--spikes", "3"]
        opts += ["--garbage-rate", "0.0005", "-o", str(tmp), "--truth", str(truth_path)]
        subprocess.run([sys.executable, str(genlog), *opts], check=True)
        tmp.replace(path)
    truth = json.loads(truth_path.read_text())
    counts = Counter({int(k): v for k, v in truth["status_counts"].items()})
    # TLS handshakes and '"-" 400 0' lines are valid records with status 400:
    # the generator lists them apart; every contender counts them.
    counts[400] += truth["junk_request_400_records"]
    return LogFile(key, path, lines, counts)


DISTINCT_START = datetime(2024, 3, 10, tzinfo=UTC)


def distinct_status(i: int, total: int) -> int:
    """Status of line ``i`` of ``total``: a 503 burst 60% of the way through
    (``total // 300`` lines), else every 19th line a 404, else 200."""
    burst = total * 6 // 10
    return 503 if burst <= i < burst + total // 300 else 404 if i % 19 == 7 else 200


def distinct_lines(first: int, count: int, total: int) -> list[str]:
    """Lines ``first`` … ``first + count - 1`` of the all-distinct log of
    ``total`` lines: every line a new client, path (with 64 hash bits of its
    number), referer and agent, about 11.6 lines a second, statuses from
    :func:`distinct_status`."""
    out, stamp, stamp_sec = [], "", -1
    for i in range(first, first + count):
        sec = i * 86_400 // 1_000_000
        if sec != stamp_sec:
            stamp_sec = sec
            stamp = (DISTINCT_START + timedelta(seconds=sec)).strftime("%d/%b/%Y:%H:%M:%S +0000")
        out.append(
            f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255} - - [{stamp}] "
            f'"GET /item/{i:07d}/{hashlib.blake2b(i.to_bytes(8), digest_size=8).hexdigest()} HTTP/1.1" '
            f"{distinct_status(i, total)} {200 + i % 5000} "
            f'"https://ref.example/{i}" "agent-{i}"'
        )
    return out


def distinct(lines: int, data: Path) -> LogFile:
    """The all-distinct log (written once, in slices: this process stays small)."""
    path = data / f"distinct-{label(lines)}.log"
    if not path.exists():
        print(f"writing {path} ...", file=sys.stderr)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("w") as f:
            for first in range(0, lines, 100_000):
                part = distinct_lines(first, min(100_000, lines - first), lines)
                f.write("\n".join(part) + "\n")
        tmp.replace(path)
    counts = Counter(distinct_status(i, lines) for i in range(lines))
    return LogFile("distinct-1m", path, lines, counts)


def gzipped(log: LogFile) -> Path:
    gz = log.path.with_name(log.path.name + ".gz")
    if not gz.exists():
        print(f"compressing {gz} ...", file=sys.stderr)
        tmp = gz.with_suffix(f".{os.getpid()}.tmp")
        with log.path.open("rb") as src, gzip.GzipFile(tmp, "wb", compresslevel=6, mtime=0) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        tmp.replace(gz)
    return gz


# --- measuring ---------------------------------------------------------------


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float
    stdout: str = ""


# Forks and execs the command, waits for it and writes its wall time and
# rusage as JSON to argv[1]. Run as a small process of its own, so that the
# child's peak RSS is its own: Linux carries the RSS high-water mark of the
# address space a child forked from across exec, and this script's may be
# larger than a small contender's.
LAUNCHER = r"""
import json, os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    json.dump({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_kib": ru.ru_maxrss}, f)
sys.exit(os.waitstatus_to_exitcode(status))
"""


#: Where the contenders' Python bytecode is cached (set by :func:`main`): an installed
#: httplog has its ``.pyc`` files, and so must the measured one, even where
#: ``PYTHONDONTWRITEBYTECODE`` is set (compiling httplog's modules on every run
#: costs 0.15-0.4 s, more than the rest of its start-up).
PYCACHE: Path | None = None


#: ``--baseline-src DIR``: another httplog's ``src`` directory, timed as the
#: contender ``httplog@base`` in the same rounds (a paired before/after).
BASELINE: Path | None = None


def child_env(src: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if PYCACHE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE if src is None else PYCACHE / "base")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def measure(cmd: list[str], cwd: Path, src: Path | None = None) -> Run:
    """One process: wall time, and CPU and peak RSS from its own rusage."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(suffix=".json") as res,
    ):
        launcher = [sys.executable, "-S", "-c", LAUNCHER, res.name]
        code = subprocess.call(
            [*launcher, *cmd],
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=child_env(src),
        )
        out.seek(0)
        err.seek(0)
        if code != 0:
            msg = err.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"failed ({code}): {' '.join(cmd)}\n{msg}")
        got = json.loads(Path(res.name).read_text())
        run = Run(got["wall"], got["cpu"], got["maxrss_kib"] / 1024)  # KiB on Linux
        run.stdout = out.read().decode(errors="replace")
        return run


def httplog_cmd() -> list[str]:
    """The ``httplog`` console script of this interpreter (no shell shim)."""
    script = Path(sys.executable).with_name("httplog")
    return [str(script)] if script.exists() else [sys.executable, "-m", "httplog"]


@dataclass
class Contender:
    name: str
    runs: list[Run] = field(default_factory=list)
    counts: Counter | None = None
    note: str = ""

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)


def goaccess_counts(html: Path) -> tuple[Counter, dict]:
    """Per-status counts from the data GoAccess embeds in its HTML report."""
    text = html.read_text(errors="replace")
    start = text.index("var json_data=") + len("var json_data=")
    data, _ = json.JSONDecoder().raw_decode(text, start)
    counts = Counter()
    for group in data["status_codes"]["data"]:
        for item in group["items"]:
            counts[int(item["data"].split()[0])] += item["hits"]["count"]
    return counts, data["general"]


def httplog_counts(summary_json: Path) -> tuple[Counter, dict]:
    """httplog's per-status counts and its ``lines`` accounting, from its ``--json``."""
    summary = json.loads(summary_json.read_text())
    return Counter({s["code"]: s["count"] for s in summary["status_codes"]}), summary["lines"]


def httplog_check(log: LogFile, work: Path, src: Path | None = None) -> tuple[Counter, dict]:
    """Untimed run (it warms the cache too): httplog's per-status counts."""
    out = work / "check.json"
    cmd = [*httplog_cmd(), "analyze", str(log.path), "--no-report", "--json", str(out), "-q"]
    measure(cmd, work, src)
    return httplog_counts(out)


def httplog_note(lines: dict) -> str:
    reasons = ", ".join(f"{k} {v}" for k, v in lines["rejected_by_reason"].items())
    return f"{lines['rejected']} lines rejected ({reasons or 'none'})"


def run_peers(
    log: LogFile,
    names: list[str],
    repeat: int,
    work: Path,
    quick: bool = False,
    report: bool = True,
) -> dict[str, Contender]:
    """The contenders' rounds on ``log``. ``quick``: no untimed check run, httplog's
    counts come from its timed runs' ``--json``; ``report=False``: httplog runs
    ``--no-report`` instead of writing the report."""
    work.mkdir(parents=True, exist_ok=True)
    output = ["-o", "report.html"] if report else ["--no-report"]
    cmds = {
        "httplog": [*httplog_cmd(), "analyze", str(log.path), *output, *HTTPLOG_ARGS],
        "duckdb": [sys.executable, "-c", DUCKDB_QUERY, str(log.path), LINE_RE],
        "polars": [sys.executable, "-c", POLARS_SCRIPT, str(log.path), LINE_RE],
        "goaccess": ["goaccess", str(log.path), "--log-format=COMBINED", "-o", "out.html"],
    }
    if BASELINE is not None and "httplog" in names:
        names = ["httplog@base", *names]
        cmds["httplog@base"] = [sys.executable, "-m", "httplog", *cmds["httplog"][1:]]
    found = {n: Contender(n) for n in names}
    if "httplog@base" in found:
        found["httplog@base"].note = f"the httplog of {BASELINE}"
    if quick:  # the counts from the timed runs themselves
        for name in found.keys() & {"httplog", "httplog@base"}:
            cmds[name] += ["--json", str(work / f"{name}.json")]
    else:
        if "httplog@base" in found:
            found["httplog@base"].counts, _ = httplog_check(log, work, BASELINE)
        if "httplog" in found:
            counts, lines = httplog_check(log, work)
            found["httplog"].counts = counts
            found["httplog"].note = httplog_note(lines)
    for r in range(repeat):
        for name in names:
            run = measure(cmds[name], work, BASELINE if name == "httplog@base" else None)
            found[name].runs.append(run)
            print(
                f"  {log.key} round {r + 1}: {name:8} {run.wall:7.2f} s wall "
                f"{run.cpu:7.2f} s CPU {run.rss_mib:6.0f} MiB",
                file=sys.stderr,
            )
            if quick and name in ("httplog", "httplog@base"):
                counts, lines = httplog_counts(work / f"{name}.json")
                c = found[name]
                if c.counts is not None and c.counts != counts:
                    raise SystemExit(f"{name} counted differently from one run to the next")
                c.counts = counts
                if name == "httplog":
                    c.note = httplog_note(lines)
            elif name in ("duckdb", "polars"):
                got = json.loads(run.stdout)
                counts = Counter({int(k): v for k, v in got["status"].items()})
                c = found[name]
                if c.counts is not None and c.counts != counts:
                    raise SystemExit(f"{name} counted differently from one run to the next")
                c.counts = counts
                skipped = log.lines - got["lines"]
                c.note = f"{got['lines'] - counts.total()} lines read but not matched" + (
                    f", {skipped} dropped by read_csv's ignore_errors (invalid UTF-8)"
                    if skipped
                    else ""
                )
            elif name == "goaccess":
                found[name].counts, general = goaccess_counts(work / "out.html")
                found[name].note = (
                    f"{general['failed_requests']} failed requests, "
                    f"{log.lines - general['total_requests']} lines not counted at all (empty lines)"
                )
    return found


def agreement(log: LogFile, found: dict[str, Contender]) -> bool:
    ok = True
    for c in found.values():
        if c.counts != log.truth:
            ok = False
            diff = {
                s: (c.counts.get(s, 0), log.truth.get(s, 0))
                for s in sorted(set(c.counts or {}) | set(log.truth))
                if (c.counts or {}).get(s, 0) != log.truth.get(s, 0)
            }
            print(f"  DISAGREE {c.name}: status: (counted, written) {diff}")
    names = ", ".join(found)
    if ok:
        print(
            f"agreement on {log.key}: per-status counts identical for {names} and the "
            f"generator ({log.truth.total():,} requests, {len(log.truth)} codes)"
        )
    else:
        print(f"agreement on {log.key}: FAILED")
    for c in found.values():
        print(f"  garbage, {c.name}: {c.note}")
    return ok


# --- tables ------------------------------------------------------------------


def peers_table(log: LogFile, found: dict[str, Contender], repeat: int, note: str = "") -> None:
    print(
        f"\n### {log.key}: {log.path.name}, {log.lines:,} lines, {log.size_mb:.0f} MB "
        f"(medians of {repeat}{note})\n"
    )
    print("| contender | wall s | CPU s | peak RSS MiB | lines/s |")
    print("|---|---:|---:|---:|---:|")
    for c in found.values():
        wall = c.median("wall")
        print(
            f"| {c.name} | {wall:.2f} | {c.median('cpu'):.2f} | {c.median('rss_mib'):.0f} "
            f"| {log.lines / wall:,.0f} |"
        )
    print()
    pairs = [("httplog", "httplog@base"), ("httplog", "duckdb"), ("httplog", "polars")]
    pairs += [("goaccess", "httplog")]
    for a, b in pairs:
        if a in found and b in found:
            x, y = found[a], found[b]
            paired = statistics.median(p.wall / q.wall for p, q in zip(x.runs, y.runs, strict=True))
            print(
                f"ratio {a}/{b}: wall {x.median('wall') / y.median('wall'):.2f}x "
                f"(paired rounds: {paired:.2f}x), CPU {x.median('cpu') / y.median('cpu'):.2f}x, "
                f"peak RSS {x.median('rss_mib') / y.median('rss_mib'):.2f}x"
            )


def simple_table(title: str, rows: dict[str, list[Run]]) -> None:
    print(f"\n### {title}\n")
    print("| run | wall s | CPU s | peak RSS MiB |")
    print("|---|---:|---:|---:|")
    for name, runs in rows.items():
        wall = statistics.median(r.wall for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        rss = statistics.median(r.rss_mib for r in runs)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} |")
    print()


def median_wall(runs: list[Run]) -> float:
    return statistics.median(r.wall for r in runs)


# --- modes -------------------------------------------------------------------


def state_mode(log: LogFile, repeat: int, work: Path, quick: bool = False) -> None:
    """``--state``: the whole all-distinct log, then 1,000 new lines, with and
    without the report; with ``--baseline-src``, the baseline's own state made
    and timed the same way, in the same rounds. ``quick``: the first run is
    ``--no-report``, and the check reads the last timed ``--no-report`` run's
    ``--json`` instead of a run of its own."""
    work.mkdir(parents=True, exist_ok=True)
    access = work / "access.log"
    shutil.copyfile(log.path, access)
    size = access.stat().st_size
    new = distinct_lines(log.lines, 1_000, log.lines)
    contenders: dict[str, Path | None] = {"httplog": None}
    if BASELINE is not None:
        contenders["httplog@base"] = BASELINE
    hl = httplog_cmd()

    def cmd(name: str, *flags: str) -> list[str]:
        base = [sys.executable, "-m", "httplog"] if contenders[name] is not None else hl
        return [*base, "analyze", str(access), "--state", str(work / f"{name}.state"), *flags]

    def append_new(name: str) -> None:
        state, saved = work / f"{name}.state", work / f"{name}.saved"
        shutil.rmtree(state, ignore_errors=True)
        shutil.copytree(saved, state)
        os.truncate(access, size)
        with access.open("a") as f:
            f.write("\n".join(new) + "\n")

    check = ["--json", "check.json", "-q"]
    kinds = {"-o report.html": ["-o", "report.html"], "--no-report": ["--no-report"]}
    first = ["--no-report"] if quick else ["-o", "report.html"]
    first_row = f"first run (every line), {' '.join(first)}"
    rows: dict[str, list[Run]] = {}
    for name, src in contenders.items():
        os.truncate(access, size)
        for p in (work / f"{name}.state", work / f"{name}.saved"):
            shutil.rmtree(p, ignore_errors=True)
        rows[f"{name}: {first_row}"] = [measure(cmd(name, *first), work, src)]
        print(
            f"  state: {name} first run {rows[f'{name}: {first_row}'][0].wall:.2f} s",
            file=sys.stderr,
        )
        shutil.copytree(work / f"{name}.state", work / f"{name}.saved")
        for kind in kinds:
            rows[f"{name}: after appending 1,000 lines, {kind}"] = []
    for r in range(repeat):
        for kind, flags in kinds.items():
            for name, src in contenders.items():
                append_new(name)
                checked = quick and name == "httplog" and kind == "--no-report"
                rows[f"{name}: after appending 1,000 lines, {kind}"].append(
                    measure(cmd(name, *flags, *(check if checked else [])), work, src)
                )
        print(f"  state round {r + 1} done", file=sys.stderr)
    # The second run reports over every line seen: checked apart, untimed (in a
    # quick run, on the last timed --no-report run's summary: the same run).
    if not quick:
        append_new("httplog")
        measure([*cmd("httplog", "--no-report"), *check], work)
    summary = json.loads((work / "check.json").read_text())
    inc = summary["incremental"]
    print(
        f"state check: the run after appending 1,000 lines read {inc['new_lines']:,} new lines "
        f"({inc['new_bytes']:,} bytes of {access.stat().st_size:,}) and reports "
        f"{summary['requests']:,} requests (expected {log.lines + 1000:,})"
    )
    simple_table(
        f"--state on {log.key} ({log.lines:,} lines), then 1,000 lines appended "
        f"(second run: median of {repeat})",
        rows,
    )
    for kind in kinds:
        runs = rows[f"httplog: after appending 1,000 lines, {kind}"]
        line = (
            f"state run ({kind}): {median_wall(runs):.2f} s, "
            f"{statistics.median(r.rss_mib for r in runs):.0f} MiB (targets < 1 s, < 300 MiB)"
        )
        base = rows.get(f"httplog@base: after appending 1,000 lines, {kind}")
        if base:
            paired = statistics.median(n.wall / b.wall for n, b in zip(runs, base, strict=True))
            line += f"; {paired:.2f}x the baseline's wall (paired rounds)"
        print(line)
    if summary["requests"] != log.lines + 1000 or inc["new_lines"] != 1000:
        raise SystemExit("state check failed")


def startup_mode(log: LogFile, repeat: int, work: Path, quick: bool = False) -> None:
    """Start-up costs, and ``.gz`` against the plain file. ``quick``: no warm-up
    runs, and the plain and ``.gz`` runs are ``--no-report``."""
    work.mkdir(parents=True, exist_ok=True)
    empty = work / "empty.log"
    empty.write_bytes(b"")
    gz = gzipped(log)
    hl = httplog_cmd()

    output = ["--no-report"] if quick else ["-o", "report.html"]
    shown = " ".join(output)

    def report(path: Path) -> list[str]:
        return [*hl, "analyze", str(path), *output]

    cmds = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import polars'": [sys.executable, "-c", "import polars"],
        "httplog --help": [*hl, "--help"],
        "httplog analyze empty.log --no-report": [*hl, "analyze", str(empty), "--no-report"],
        f"httplog analyze {log.path.name} {shown}": report(log.path),
        f"httplog analyze {gz.name} {shown}": report(gz),
    }
    names_empty = "httplog analyze empty.log --no-report"
    srcs: dict[str, Path | None] = dict.fromkeys(cmds)
    if BASELINE is not None:  # the same two start-ups of the baseline, before/after
        base = [sys.executable, "-m", "httplog"]
        cmds["httplog@base --help"] = [*base, "--help"]
        cmds["httplog@base analyze empty.log --no-report"] = [*base, *cmds[names_empty][1:]]
        srcs["httplog@base --help"] = srcs["httplog@base analyze empty.log --no-report"] = BASELINE
    runs: dict[str, list[Run]] = {k: [] for k in cmds}
    warm = [] if quick else ["httplog --help", f"httplog analyze {log.path.name} {shown}"]
    for name in warm:
        measure(cmds[name], work)  # warm-up (and the bytecode cache written)
    for name in cmds:
        if srcs.get(name) is not None and not quick:
            measure(cmds[name], work, srcs[name])
    for r in range(repeat):
        for name, cmd in cmds.items():
            runs[name].append(measure(cmd, work, srcs.get(name)))
        print(f"  startup round {r + 1} done", file=sys.stderr)
    simple_table(
        f"start-up, and .gz against plain ({log.lines:,} lines; medians of {repeat})", runs
    )
    names = list(cmds)[:6]
    plain, compressed = runs[names[-2]], runs[names[-1]]
    paired = statistics.median(c.wall / p.wall for p, c in zip(plain, compressed, strict=True))
    print(
        f"startup: --help {median_wall(runs['httplog --help']):.2f} s (target <= 0.25 s), "
        f"empty log {median_wall(runs[names[3]]):.2f} s (target <= 0.5 s); "
        f".gz/plain wall {median_wall(compressed) / median_wall(plain):.2f}x "
        f"(paired rounds: {paired:.2f}x; target <= 1.1x)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--modes",
        nargs="+",
        choices=["peers", "state", "startup"],
        default=["peers", "state", "startup"],
    )
    ap.add_argument("--files", nargs="+", choices=list(sizes(False)), default=list(sizes(False)))
    ap.add_argument("--contenders", nargs="+", choices=CONTENDERS, default=list(CONTENDERS))
    ap.add_argument("--repeat", type=int, default=3, help="rounds (medians are printed)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: a few thousand lines, no warm-ups, fewer httplog runs",
    )
    ap.add_argument("--genlog", type=Path, default=DEFAULT_GENLOG, help="the shared genlog.py")
    ap.add_argument("--data", type=Path, default=HERE / "data", help="where the logs are kept")
    ap.add_argument(
        "--httplog-args",
        default="",
        help="extra flags for every timed httplog analyze (one string, split on spaces)",
    )
    ap.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="leave PYTHONDONTWRITEBYTECODE as it is (every run compiles httplog's modules)",
    )
    ap.add_argument(
        "--baseline-src",
        type=Path,
        help="another httplog's src directory, timed alongside (httplog@base)",
    )
    a = ap.parse_args()
    HTTPLOG_ARGS[:] = a.httplog_args.split()
    global BASELINE
    BASELINE = a.baseline_src.resolve() if a.baseline_src else None

    if "goaccess" in a.contenders and not shutil.which("goaccess"):
        raise SystemExit("goaccess not found: install it or leave it out of --contenders")
    a.data.mkdir(parents=True, exist_ok=True)
    n = sizes(a.quick)
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
        f"python {sys.version.split()[0]}; httplog: {' '.join(httplog_cmd())}"
    )
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench_peers-") as tmp:
        work = Path(tmp)
        global PYCACHE
        PYCACHE = None if a.no_bytecode_cache else work / "pycache"
        print(
            "bytecode: "
            + ("as the environment says" if PYCACHE is None else f"cached in {PYCACHE}")
        )
        if "peers" in a.modes:
            for i, key in enumerate(a.files):
                if key.startswith("distinct"):
                    log = distinct(n[key], a.data)
                else:
                    log = generated(key, n[key], a.data, a.genlog)
                report = not a.quick or i == 0  # --quick: one report proves the point
                found = run_peers(log, a.contenders, a.repeat, work / key, a.quick, report)
                peers_table(log, found, a.repeat, "" if report else "; httplog --no-report")
                ok = agreement(log, found) and ok
        if "state" in a.modes:
            state_mode(distinct(n["distinct-1m"], a.data), a.repeat, work / "state", a.quick)
        if "startup" in a.modes:
            real = generated("real-1m", n["real-1m"], a.data, a.genlog)
            startup_mode(real, a.repeat, work / "startup", a.quick)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
