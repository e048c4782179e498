"""Where one block's parse goes, stage by stage: CPU seconds of each step alone.

Reads the first ``--mb`` megabytes of a combined log (whole lines) into one
frame and times, in this process, each stage of the parse query and the
aggregation of its rows, ``--repeat`` times (the minimum is printed: load
only adds). Two pairs compare the two ways of one step on the same frame:
the UTC offset of ``time_local`` (the general reading and the one for a time
ending in ``+HHMM``), and unescaping (every line at once, or only the lines
holding the escape character).

    python benchmarks/bench_parse_stages.py LOG [--mb 60] [--repeat 5]
"""

from __future__ import annotations

import argparse
import resource
from collections.abc import Callable
from pathlib import Path

import polars as pl

from httplog.aggregation import AGGREGATED, aggregate
from httplog.formats import compile_format
from httplog.formats.times import offset_at_end, offset_written
from httplog.parse import _collect, _needs_unescape, _plan, lines_frame


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(name: str, fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = _cpu()
        fn()
        best = min(best, _cpu() - start)
    print(f"  {name:58s} {best:7.3f} s CPU")
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", type=Path)
    ap.add_argument("--mb", type=int, default=60, help="megabytes of the log read")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    with a.log.open("rb") as f:
        data = f.read(a.mb << 20)
    data = data[: data.rfind(b"\n") + 1]
    fmt = compile_format("combined")
    frame = lines_frame(data)
    lines = frame.lazy()
    text = pl.col("line")
    n = frame.height
    escaped = int(frame["line"].str.contains("\\", literal=True).sum())
    level = _needs_unescape(fmt, data, AGGREGATED)
    print(f"{a.log}: {n:,} lines ({len(data) / 1e6:.0f} MB), {escaped:,} holding a backslash")
    r = a.repeat
    _timed("lines read into a frame (CSV reader)", lambda: lines_frame(data), r)
    _timed(
        "line regex, search only", lambda: lines.select(text.str.contains(fmt.pattern)).collect(), r
    )
    _timed(
        "line regex, 9 groups captured",
        lambda: lines.select(text.str.extract_groups(fmt.pattern)).collect(),
        r,
    )
    groups = lines.select(text.str.extract_groups(fmt.pattern)).unnest("line").collect().lazy()
    t = pl.col("g3")
    before = _timed(
        "utc_offset, general reading", lambda: groups.select(offset_written(t)).collect(), r
    )
    after = _timed(
        "utc_offset, time ending in +HHMM", lambda: groups.select(offset_at_end(t)).collect(), r
    )
    print(f"  {'':58s} {after / before:7.2f}x")

    def parse(many: bool) -> pl.DataFrame:
        return _collect(fmt, level, AGGREGATED, lines, many=many)

    _timed(
        "parse query, no unescaping (not exact where escapes are)",
        lambda: _collect(fmt, 0, AGGREGATED, lines),
        r,
    )
    before = _timed(f"parse query, every line unescaped (level {level})", lambda: parse(True), r)
    after = _timed("parse query, only lines holding the escape unescaped", lambda: parse(False), r)
    print(f"  {'':58s} {after / before:7.2f}x")
    rows = parse(False).filter("_ok").select(_plan(fmt, level, AGGREGATED).names)
    _timed(
        "aggregation of the rows (one partial)",
        lambda: aggregate(
            rows, source="x", chunk_start=0, lines=n, bytes_read=len(data), format_label="combined"
        ),
        r,
    )


if __name__ == "__main__":
    main()
