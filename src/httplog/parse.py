"""Lines → typed rows: the parsing engine, and the accounting of every line.

Each block of whole lines (see :mod:`httplog.inputs`) is read into a polars
frame of one string column, matched against the format's single regular
expression, and converted to the columns of :mod:`httplog.schema`, all in one
lazy query run on polars' streaming engine (so one block uses every core).
A line that can't be parsed becomes a *rejection* with a reason; for every
block ``parsed + rejected == lines``, exactly.

Rejection reasons: ``empty`` (blank line), ``error_log`` (an nginx or Apache
error-log line), ``binary`` (control bytes such as NUL, or bytes that are not
UTF-8), ``bad_json`` (a JSON line that is not an object with a time and a
status), ``no_match`` (does not fit the format), ``bad_time`` (fits, but the
time can't be read), ``bad_status`` (fits, but the status is not a number),
``too_long`` (longer than the chunk's ``max_line`` bytes, 1 MiB unless told:
never held whole in memory, and sampled cut short; see :class:`~httplog.inputs.Block`).

Examples
--------
>>> import io, tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.0" 200 2326\\ngarbage\\n'
... )
>>> log = read_logs(p)
>>> log.parsed, log.rejected, log.rejected_by_reason
(1, 1, {'no_match': 1})
>>> log.frame.select("time", "path", "query", "status").row(0)
(datetime.datetime(2000, 10, 10, 20, 55, 36, tzinfo=zoneinfo.ZoneInfo(key='UTC')), '/a', 'b=1', 200)
>>> log.samples.select("source", "line", "reason").row(0) == (p, 2, "no_match")
True
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import polars as pl

from httplog import inputs as _inputs
from httplog.errors import UsageError
from httplog.formats import KINDS, Field, LogFormat, columns_of, resolve, w3c
from httplog.formats.detect import Detection, detect
from httplog.formats.escapes import (
    DIALECTS,
    beyond_ascii,
    beyond_ascii_bytes,
    trigger,
    unescape,
)
from httplog.formats.jsonl import compile_json, json_leaf, json_path, narrow
from httplog.inputs import Block, Chunk, Input
from httplog.schema import COLUMNS, order_columns

_T = TypeVar("_T")

#: Blocks parsed at a time by default: two, so that one block's single-threaded
#: steps (reading it into lines, the aggregation after) overlap the other's
#: parsing; one on a one-CPU machine.
THREADS = min(2, os.cpu_count() or 1)

#: Rejected lines kept as samples, per reason.
SAMPLES_PER_REASON = 5
#: Characters of a rejected line kept in its sample.
SAMPLE_CHARS = 300

REASONS = (
    "empty",
    "error_log",
    "binary",
    "bad_json",
    "no_match",
    "bad_time",
    "bad_status",
    "too_long",
)

_ERROR_LOG = (
    r"^(?:\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[(?:emerg|alert|crit|error|warn|notice|info|debug)\]"
    r"|\[[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} [\d:.]+ \d{4}\] \[(?:[\w-]+:)?"
    r"(?:emerg|alert|crit|error|warn|notice|info|debug|trace\d)\])"
)
_BINARY = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{FFFD}]"
_BOM = "\ufeff".encode()

#: Columns of the rejected-lines frame.
REJECTED_SCHEMA = {
    "source": pl.String,
    "chunk_start": pl.UInt64,
    "line": pl.UInt64,
    "reason": pl.String,
    "text": pl.String,
}


# ---------------------------------------------------------------- conversion


def _field_exprs(
    f: Field, raw: pl.Expr, escapes: str | None, runs: bool
) -> tuple[list[dict[str, pl.Expr]], dict[str, pl.Expr]]:
    """(stages of intermediate columns, typed columns) of one field, as its kind says
    (see :mod:`httplog.formats.kinds`); ``escapes``: the dialect to undo, if any;
    ``runs``: whether some lines may hold escaped UTF-8 (those lines, column
    ``_esc``, then take the slower path)."""
    kind = KINDS[f.kind]
    if escapes is not None and kind.text:
        raw = unescape(raw, escapes, runs=pl.col("_esc") if runs else False)
    stages = kind.prepare(f, raw) if kind.prepare is not None else []
    return stages, kind.convert(f, raw)


@dataclass(frozen=True)
class _Plan:
    """A format compiled to polars expressions over a ``text`` column."""

    stages: tuple[dict[str, pl.Expr], ...]
    typed: tuple[pl.Expr, ...]
    names: tuple[str, ...]
    directive: str | None = None

    def apply(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        """Every line (column ``line``) → typed columns, ``text``, ``_m``, ``_ok``
        (a request) and, for formats with directive lines, ``_d`` (a directive)."""
        lf = lines.select(text=pl.col("line"))
        for stage in self.stages:
            lf = lf.with_columns(**stage)
        lf = lf.select(*self.typed, "text", "_m")
        ok = pl.col("_m") & pl.col("time").is_not_null() & pl.col("status").is_not_null()
        if self.directive is None:
            return lf.with_columns(_ok=ok)
        lf = lf.with_columns(_d=pl.col("text").str.contains(self.directive).fill_null(False))
        return lf.with_columns(_ok=ok & ~pl.col("_d"))


@functools.lru_cache(maxsize=128)
def _plan(fmt: LogFormat, unescape: int, columns: tuple[str, ...] | None = None) -> _Plan:
    """Compile a format to a :class:`_Plan`.

    ``unescape``: undo the server's escapes (see :mod:`httplog.formats.escapes`)
    in text fields: 0 not (no line has an escape), 1 those of ASCII, 2 also
    runs of escaped UTF-8 (some line has an escaped byte beyond ASCII).
    ``columns``: the output columns wanted (``None``: all the format has).
    Fields feeding no wanted column are matched but not captured nor
    converted, which is most of the cost of a parse; ``time`` and ``status``
    are always computed, since they decide whether a line is a request.
    """
    wanted, fields = _wanted(fmt, columns)
    text = pl.col("text")
    escapes = fmt.escapes if unescape and fmt.escapes not in ("none", "json") else None
    if fmt.syntax == "json":
        first = {f"_f_{f.group}": text.str.json_path_match(json_path(f.group)) for f in fields}
        needed = [f"_f_{f.group}" for f in fields if {"time", "status"} & set(columns_of(f))]
        matched = text.str.starts_with("{").fill_null(False)
        for name in needed:
            matched = matched & pl.col(name).is_not_null()
        raw = {f.group: pl.col(f"_f_{f.group}") for f in fields}
    else:
        pattern = fmt.pattern
        for f in fmt.fields:
            if f not in fields:
                pattern = pattern.replace(f"(?<{f.group}>", "(?:", 1)
        first = {"_g": text.str.extract_groups(pattern)}
        # A field that is not optional has a value exactly when the line matches.
        anchor = next((f for f in fields if not f.optional), None)
        if anchor is None:
            matched = pl.lit(False)
        else:
            matched = pl.col("_g").struct.field(anchor.group).is_not_null()
        raw = {f.group: pl.col("_g").struct.field(f.group) for f in fields}
    if escapes is not None and unescape > 1:
        first = {**first, "_esc": beyond_ascii(text, escapes)}
    stages: list[dict[str, pl.Expr]] = [first, {"_m": matched}]
    prep: list[dict[str, pl.Expr]] = []
    exprs: dict[str, pl.Expr] = {}
    for f in fields:
        field_stages, converted = _field_exprs(f, raw[f.group], escapes, unescape > 1)
        for i, stage in enumerate(field_stages):
            if len(prep) <= i:
                prep.append({})
            prep[i].update(stage)
        for name, e in converted.items():
            exprs.setdefault(name, e)
    stages.extend(prep)
    for name in ("time", "status"):
        if name not in exprs:  # a JSON log without the key: every line is rejected
            exprs[name] = pl.lit(None, COLUMNS[name])
            stages[1] = {"_m": pl.lit(False)}
    names = order_columns([c for c in exprs if c in wanted])
    typed = []
    for name in names:
        e = exprs[name]
        dtype = COLUMNS.get(name)
        if dtype is not None:
            e = e.cast(dtype, strict=False)
        typed.append(e.alias(name))
    return _Plan(tuple(stages), tuple(typed), tuple(names), fmt.directive)


def _needs_unescape(
    fmt: LogFormat, data: bytes | pl.Series, columns: tuple[str, ...] | None
) -> int:
    """How much unescaping a wanted text field may need (see :func:`_plan`): 0, 1 or 2.

    Skipping the work when no line needs it is most of the cost of escapes.
    """
    mark = trigger(fmt.escapes)
    if mark is None or not any(KINDS[f.kind].text for f in _wanted(fmt, columns)[1]):
        return 0
    runs = beyond_ascii_bytes(fmt.escapes)
    if isinstance(data, bytes):
        if mark not in data:
            return 0
        prefix = DIALECTS[fmt.escapes].prefix.encode() if runs is not None else b""
        return 2 if runs is not None and prefix in data and runs.search(data) else 1
    if not data.str.contains(mark.decode(), literal=True).any():
        return 0
    if runs is None:
        return 1
    return 2 if data.str.contains(runs.pattern.decode()).any() else 1


def _output(plan: _Plan, columns: tuple[str, ...] | None) -> list[str]:
    """The parsed frame's columns: the plan's and ``source`` (unless left out)."""
    keep = [n for n in plan.names if columns is None or n in columns]
    if columns is None or "source" in columns:
        keep.append("source")
    return order_columns(keep)


# -------------------------------------------------------------------- blocks


def lines_frame(data: bytes, expected: int | None = None) -> pl.DataFrame:
    """Raw lines of a block as a one-column frame (``line``; empty lines are null).

    Invalid UTF-8 becomes U+FFFD rather than failing the block; the unit
    separator byte (used as the CSV separator) is replaced likewise; a CR
    before the newline and a byte-order mark starting a line are dropped.
    ``expected`` is the number of lines in ``data`` when already known; if
    the reader's count ever differed, the block would be split again by a
    plain (slower) splitter, so that no line is lost or invented.

    >>> lines_frame(b"a\\r\\n\\nb\\xff").to_series().to_list()
    ['a', None, 'b�']
    """
    if not data:
        return pl.DataFrame(schema={"line": pl.String})
    if expected is None:
        expected = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    df = pl.read_csv(io.BytesIO(_clean(data)), raise_if_empty=False, **_CSV)
    if df.height != expected:  # a safety net: never seen, but the accounting depends on it
        df = _split_lines(data)
    return df


#: How polars reads a block into lines: one column, no quoting, bad UTF-8 replaced.
_CSV: dict[str, Any] = {
    "has_header": False,
    "separator": "\x1f",
    "quote_char": None,
    "schema": {"line": pl.String},
    "encoding": "utf8-lossy",
    "truncate_ragged_lines": True,
}


def _clean(data: bytes) -> bytes:
    """The block as the CSV reader should see it (see :func:`lines_frame`)."""
    if b"\x1f" in data:
        data = data.replace(b"\x1f", "\ufffd".encode())
    if b"\xef" in data and _BOM in data:  # (memchr first: a 3-byte search is slow)
        # The reader drops a BOM that starts the data: drop it at every line start,
        # so that where a block starts changes nothing.
        data = data.replace(b"\n" + _BOM, b"\n")
    return data


def _split_lines(data: bytes) -> pl.DataFrame:
    """The slow, obviously right splitter :func:`lines_frame` falls back on."""
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    lines = [
        (p[:-1] if p.endswith(b"\r") else p)
        .removeprefix(_BOM)
        .replace(b"\x1f", "\ufffd".encode())
        .decode("utf-8", "replace")
        or None
        for p in parts
    ]
    return pl.DataFrame({"line": lines}, schema={"line": pl.String})


def _wanted(fmt: LogFormat, columns: tuple[str, ...] | None) -> tuple[set[str], list[Field]]:
    """The columns to compute (``time`` and ``status`` always) and the fields feeding them."""
    wanted = set(fmt.columns if columns is None else columns) | {"time", "status"}
    return wanted, [f for f in fmt.fields if wanted & set(columns_of(f))]


def parse_lines(
    lines: pl.DataFrame,
    fmt: LogFormat,
    *,
    source: str,
    chunk_start: int = 0,
    first_line: int = 1,
    columns: tuple[str, ...] | list[str] | None = None,
    too_long: tuple[int, ...] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a frame of raw lines (column ``line``): (parsed rows, rejected lines).

    The rejected frame has the columns of :data:`REJECTED_SCHEMA`; its
    ``line`` is the 1-based line number counted from ``chunk_start``
    (``first_line`` is the number of the frame's first line). ``columns``
    restricts the parsed frame to those columns (the accounting is the same).
    ``too_long`` numbers (from 0) the lines that are only the start of a line
    too long to read (:attr:`httplog.inputs.Block.too_long`): rejected as ``too_long``.
    Directive lines (W3C's ``#`` lines) are in neither frame.

    >>> from httplog.formats import resolve
    >>> lines = lines_frame(
    ...     b'192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 5\\n\\n'
    ... )
    >>> ok, bad = parse_lines(lines, resolve("common"), source="x", first_line=7)
    >>> ok.height, bad.select("line", "reason").rows()
    (1, [(8, 'empty')])
    >>> parse_lines(lines, resolve("common"), source="x", columns=["status"])[0].columns
    ['status']
    """
    parsed, rejected, _ = _parse_frame(
        lines, fmt, source, chunk_start, first_line, columns, too_long
    )
    return parsed, rejected


def _parse_frame(
    lines: pl.DataFrame,
    fmt: LogFormat,
    source: str,
    chunk_start: int,
    first_line: int,
    columns: tuple[str, ...] | list[str] | None,
    too_long: tuple[int, ...] = (),
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """:func:`parse_lines`, and the number of directive lines (neither parsed nor rejected)."""
    cols = tuple(columns) if columns is not None else None
    plan = _plan(fmt, _needs_unescape(fmt, lines["line"], cols), cols)
    df = plan.apply(lines.lazy()).collect(engine="streaming")
    return _split_result(df, plan, fmt, cols, source, chunk_start, first_line, too_long)


def _split_result(
    df: pl.DataFrame,
    plan: _Plan,
    fmt: LogFormat,
    cols: tuple[str, ...] | None,
    source: str,
    chunk_start: int,
    first_line: int,
    too_long: tuple[int, ...] = (),
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Every line's result (see :meth:`_Plan.apply`) → (parsed rows, rejected lines,
    directive lines)."""
    out = _output(plan, cols)
    src = pl.lit(source, pl.String).alias("source")
    ok = df["_ok"]
    reason = _reason(fmt.syntax == "json")
    if too_long:  # the start of a line too long to read is never a request
        long = pl.Series("_long", [False] * df.height)
        long = long.scatter(list(too_long), True)
        ok = ok & ~long
        df = df.with_columns(long)
        if "_d" in df.columns:  # nor a directive, whatever it starts with
            df = df.with_columns(_d=pl.col("_d") & ~pl.col("_long"))
        reason = pl.when(pl.col("_long")).then(pl.lit("too_long")).otherwise(reason)
    rows = df.with_columns(src).select(out) if "source" in out else df.select(out)
    if int(ok.sum()) == df.height:
        return rows, _no_rejections(), 0
    parsed = rows.filter(ok)  # (selected first: the lines' text is not copied)
    bad_mask = ~ok
    directives = 0
    if "_d" in df.columns:
        directives = int(df["_d"].sum())
        bad_mask = bad_mask & ~df["_d"]
    bad = df.filter(bad_mask)
    lineno = bad_mask.arg_true().cast(pl.UInt64) + first_line
    rejected = bad.select(
        source=src,
        chunk_start=pl.lit(chunk_start, pl.UInt64),
        line=pl.lit(lineno),
        reason=reason,
        text=pl.col("text").fill_null("").str.slice(0, SAMPLE_CHARS),
    )
    return parsed, rejected, directives


def _no_rejections() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECTED_SCHEMA)


def _reason(is_json: bool) -> pl.Expr:
    """Why a line was rejected (for rejected lines only)."""
    text = pl.col("text")
    unmatched = (
        pl.when(text.is_null() | (text.str.strip_chars() == ""))
        .then(pl.lit("empty"))
        .when(text.str.contains(_ERROR_LOG))
        .then(pl.lit("error_log"))
        .when(text.str.contains(_BINARY))
        .then(pl.lit("binary"))
    )
    if is_json:
        unmatched = unmatched.when(text.str.starts_with("{")).then(pl.lit("bad_json"))
    return (
        pl.when(~pl.col("_m"))
        .then(unmatched.otherwise(pl.lit("no_match")))
        .when(pl.col("time").is_null())
        .then(pl.lit("bad_time"))
        .otherwise(pl.lit("bad_status"))
    )


def row_filter(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    status: tuple[str, ...] | list[str] = (),
    path_prefix: str | None = None,
) -> pl.Expr | None:
    """A filter on parsed rows: time in [since, until), status, path prefix.

    ``status`` items are classes (``5xx``), codes (``404``) or ranges
    (``500-504``); a row is kept when it matches any of them.

    >>> row_filter() is None
    True
    >>> row_filter(status=["5xx", "404"]) is not None
    True
    """
    conds: list[pl.Expr] = []
    if since is not None:
        conds.append(pl.col("time") >= since)
    if until is not None:
        conds.append(pl.col("time") < until)
    if status:
        conds.append(pl.any_horizontal([_status_cond(s) for s in status]))
    if path_prefix:
        conds.append(pl.col("path").str.starts_with(path_prefix).fill_null(False))
    if not conds:
        return None
    return pl.all_horizontal(conds)


def _status_cond(spec: str) -> pl.Expr:
    s = spec.strip().lower()
    st = pl.col("status")
    if len(s) == 3 and s[0] in "12345" and s[1:] == "xx":
        lo = int(s[0]) * 100
        return st.is_between(lo, lo + 99)
    if s == "invalid":
        return ~st.is_between(100, 599)
    if "-" in s:
        a, _, b = s.partition("-")
        if a.isdigit() and b.isdigit():
            return st.is_between(int(a), int(b))
    if s.isdigit():
        return st == int(s)
    msg = f"bad status filter {spec!r}: use a class (5xx), a code (404) or a range (500-504)"
    raise UsageError(msg)


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class ParsedBlock:
    """What one block of lines became: rows, rejections, and where it came from."""

    block: Block
    format: LogFormat
    parsed: pl.DataFrame
    rejected: pl.DataFrame
    #: Directive lines (W3C's ``#`` lines, a CSV header): neither parsed nor rejected.
    directives: int = 0

    @property
    def lines(self) -> int:
        """Every line of the block: ``parsed + rejected + directives``."""
        return self.parsed.height + self.rejected.height + self.directives


@dataclass(frozen=True)
class ParsedLog:
    """A parsed log: the rows, and the account of every line read.

    ``frame`` has the columns of :mod:`httplog.schema` that the format gives;
    ``samples`` holds the first rejected lines per reason (``source``,
    ``line``, ``reason``, ``text``); ``inputs`` one row per input with its
    ``lines``, ``parsed``, ``rejected`` and ``directives`` counts.
    """

    frame: pl.DataFrame
    format: LogFormat
    rejected_by_reason: dict[str, int]
    samples: pl.DataFrame
    inputs: pl.DataFrame
    detection: Detection | None = None
    lines: int = 0
    #: Directive lines (W3C's ``#`` lines, a CSV header): counted apart, so that
    #: ``parsed + rejected + directives == lines``.
    directives: int = 0

    @property
    def parsed(self) -> int:
        return self.frame.height

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())


# ------------------------------------------------------------------- engine


@dataclass
class Progress:
    """Running totals for a progress display: bytes of the inputs read so far."""

    total_bytes: int | None
    read_bytes: int = 0
    lines: int = 0
    callbacks: list[Callable[[Progress], None]] = field(default_factory=list)

    def advance(self, nbytes: int, lines: int) -> None:
        self.read_bytes += nbytes
        self.lines += lines
        for cb in self.callbacks:
            cb(self)


class _Prefetch:
    """Run an iterator in a background thread, a few items ahead of its consumer.

    Reading and decompressing the next block then overlaps parsing this one.
    Exceptions reach the consumer; :meth:`close` stops the thread early.
    """

    def __init__(self, items: Iterator[Any], depth: int) -> None:
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._items = items
        self._thread = threading.Thread(target=self._run, name="httplog-read", daemon=True)
        self._thread.start()

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put(("item", item)):
                    break
            else:
                self._put(("end", None))
        except BaseException as e:  # handed to the consumer
            self._put(("error", e))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[Any]:
        while True:
            kind, value = self._queue.get()
            if kind == "item":
                yield value
            elif kind == "end":
                return
            else:
                raise value

    def close(self) -> None:
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout=5)


def _parse_block(block: Block, fmt: LogFormat, columns: tuple[str, ...] | None) -> ParsedBlock:
    """One block: its bytes are read into lines and parsed in one streaming query.

    ``fmt`` is the format in force where the block starts; in a W3C log a
    ``#Fields:`` line within the block starts a new layout for the lines after it.
    """
    src, start = block.chunk.source, block.chunk.start
    if fmt.syntax == "json":
        lines = lines_frame(block.data, block.lines)
        fmt = narrow(fmt, _json_keys(lines, fmt))
        parsed, rejected, directives = _parse_frame(
            lines, fmt, src, start, block.first_line, columns, block.too_long
        )
        return ParsedBlock(block, fmt, parsed, rejected, directives)
    if fmt.syntax == "w3c" and b"#Fields:" in block.data:
        return _parse_layouts(block, fmt, columns)
    plan = _plan(fmt, _needs_unescape(fmt, block.data, columns), columns)
    df = plan.apply(pl.scan_csv(_clean(block.data), **_CSV)).collect(engine="streaming")
    if df.height != block.lines:  # the same safety net as lines_frame's
        df = plan.apply(_split_lines(block.data).lazy()).collect(engine="streaming")
    parsed, rejected, directives = _split_result(
        df, plan, fmt, columns, src, start, block.first_line, block.too_long
    )
    return ParsedBlock(block, fmt, parsed, rejected, directives)


def _parse_layouts(block: Block, fmt: LogFormat, columns: tuple[str, ...] | None) -> ParsedBlock:
    """A W3C block holding ``#Fields:`` lines: each run of lines with its own layout."""
    lines = lines_frame(block.data, block.lines)
    starts = lines["line"].str.starts_with("#Fields:").fill_null(False).arg_true().to_list()
    cuts = [0, *starts, lines.height]
    layouts = [fmt, *(w3c.from_directive(lines["line"][i], fmt) for i in starts)]
    parsed, rejected, directives = [], [], 0
    for (a, b), layout in zip(itertools.pairwise(cuts), layouts, strict=True):
        if b == a:
            continue
        ok, bad, d = _parse_frame(
            lines.slice(a, b - a),
            layout,
            block.chunk.source,
            block.chunk.start,
            block.first_line + a,
            columns,
            tuple(i - a for i in block.too_long if a <= i < b),
        )
        parsed.append(ok)
        rejected.append(bad)
        directives += d
    frame = parsed[0] if len(parsed) == 1 else pl.concat(parsed, how="diagonal_relaxed")
    rows = frame.select(order_columns(frame.columns))
    return ParsedBlock(block, fmt, rows, pl.concat(rejected), directives)


def iter_parsed(
    chunks: Iterable[Chunk],
    log_format: str | LogFormat | None = None,
    *,
    threads: int | None = None,
    block_size: int = _inputs.BLOCK_SIZE,
    on_detect: Callable[[Detection], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    columns: Iterable[str] | None = None,
) -> Iterator[ParsedBlock]:
    """Parse chunks block by block, in input order.

    With ``log_format=None`` the format is detected from the first block and
    reported through ``on_detect``. ``progress(nbytes, lines)`` is called after
    each block. ``columns`` names the parsed columns wanted (default: all
    the format has, and ``source``): the others are not extracted, which
    saves most of the work when few are needed; the accounting of lines is
    the same.

    A background thread reads (and decompresses) the next block while this
    one is parsed; each block is split into lines and parsed in one query on
    polars' streaming engine, which uses all of polars' threads;
    ``threads`` blocks are parsed at a time (default :data:`THREADS`). Memory stays bounded
    by a few blocks.
    """
    return map_parsed(
        chunks,
        _same,
        log_format,
        threads=threads,
        block_size=block_size,
        on_detect=on_detect,
        progress=progress,
        columns=columns,
    )


def _same(pb: ParsedBlock) -> ParsedBlock:
    return pb


def map_parsed(
    chunks: Iterable[Chunk],
    fn: Callable[[ParsedBlock], _T],
    log_format: str | LogFormat | None = None,
    *,
    threads: int | None = None,
    block_size: int = _inputs.BLOCK_SIZE,
    on_detect: Callable[[Detection], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    columns: Iterable[str] | None = None,
) -> Iterator[_T]:
    """:func:`iter_parsed`, with ``fn`` applied to each parsed block where it
    was parsed: ``fn(block)`` for every block, in input order.

    With ``threads`` above 1, blocks are parsed and given to ``fn`` that many
    at a time on a thread pool, so that ``fn`` (an aggregation, say) overlaps
    the parsing of the next blocks; the parsed block itself can then be
    dropped before it reaches the caller.

    >>> import os, tempfile
    >>> from httplog.inputs import resolve
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5\\nnot a log line\\n'
    ... )
    >>> list(map_parsed([Chunk(i) for i in resolve(p)], lambda pb: (pb.lines, pb.rejected.height)))
    [(2, 1)]
    """
    fmt = resolve(log_format) if log_format is not None else None
    cols = tuple(columns) if columns is not None else None
    nthreads = max(1, threads or THREADS)
    reader = _Prefetch((b for c in chunks for b in _inputs.iter_blocks(c, block_size)), depth=2)

    def work(block: Block, fmt: LogFormat) -> tuple[int, int, _T]:
        pb = _parse_block(block, fmt, cols)
        return block.size, pb.lines, fn(pb)

    def done(result: tuple[int, int, _T]) -> _T:
        nbytes, lines, out = result
        if progress:
            progress(nbytes, lines)
        return out

    layouts = _Layouts()

    try:
        if nthreads == 1:
            for block in reader:
                if fmt is None:
                    fmt = _detect_block(block, on_detect)
                yield done(work(block, layouts.at(block, fmt)))
            return
        with ThreadPoolExecutor(max_workers=nthreads, thread_name_prefix="httplog-parse") as pool:
            pending: deque[Future[tuple[int, int, _T]]] = deque()
            for block in reader:
                if fmt is None:
                    fmt = _detect_block(block, on_detect)
                pending.append(pool.submit(work, block, layouts.at(block, fmt)))
                if len(pending) >= nthreads:
                    yield done(pending.popleft().result())
            while pending:
                yield done(pending.popleft().result())
    finally:
        reader.close()


class _Layouts:
    """The W3C layout in force where each block starts, tracked in reading order.

    Blocks are parsed side by side, so a block can't learn its layout from the
    block before it: the reader, which sees them in order, hands each block
    the layout of the last ``#Fields:`` line before it. A chunk starting at
    its input's beginning starts with ``fmt`` (each file has its own header); one
    starting inside a file (a byte range) looks back in the file.
    """

    def __init__(self) -> None:
        self._chunk: Chunk | None = None
        self._current: LogFormat | None = None

    def at(self, block: Block, fmt: LogFormat) -> LogFormat:
        if fmt.syntax != "w3c":
            return fmt
        if block.chunk is not self._chunk or self._current is None:
            self._chunk = block.chunk
            self._current = fmt
            chunk = block.chunk
            if block.offset > 0 and chunk.input.compression is None and chunk.input.size:
                self._current = w3c.layout_before(chunk.input.path, block.offset, fmt)
        here = self._current
        self._current = w3c.last_layout(block.data, here) or here
        return here


def _detect_block(block: Block, on_detect: Callable[[Detection], None] | None) -> LogFormat:
    head = block.data[: 512 * 1024]
    if len(head) < len(block.data):
        head = head[: head.rfind(b"\n") + 1] or head
    d = detect(_sample(lines_frame(head)))
    if on_detect:
        on_detect(d)
    if d.format.name == "json":
        # every usual key: each block keeps those it has (see _parse_block)
        return compile_json()
    if d.format.name == "caddy":
        return resolve("caddy")
    return d.format


def _sample(lines: pl.DataFrame, n: int = 1000) -> list[str]:
    return [s for s in lines["line"].head(n).to_list() if s]


def _json_keys(lines: pl.DataFrame, fmt: LogFormat) -> set[str]:
    """Which of the format's candidate keys occur in the lines (one pass, literal search)."""
    candidates = sorted({json_leaf(f.group) for f in fmt.fields})
    needles = [json.dumps(k) + ":" for k in candidates]
    found = lines["line"].str.extract_many(needles).explode().drop_nulls().unique()
    return {json.loads(x[:-1]) for x in found.to_list()}


def chunks_of(inputs: list[Input]) -> list[Chunk]:
    """One whole-input chunk per input (the single-process plan)."""
    return [Chunk(i) for i in inputs]


def read_logs(
    source: str | os.PathLike[str] | list[str | os.PathLike[str]],
    *,
    log_format: str | LogFormat | None = None,
    threads: int | None = None,
) -> ParsedLog:
    """Read and parse logs into a :class:`ParsedLog` (rows plus accounting).

    ``source`` is a path, a glob, ``-`` for standard input, or a list of
    them; ``.gz``, ``.bz2``, ``.xz`` and ``.zst`` files are decompressed.
    ``log_format`` is a named format, an nginx or Apache format string, or
    ``None`` to detect it from the first lines.

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "empty.log")
    >>> _ = open(p, "w")
    >>> log = read_logs(p)
    >>> log.lines, log.parsed, log.rejected, log.frame.columns[:2]
    (0, 0, 0, ['time', 'remote_addr'])
    """
    inputs = _inputs.resolve(source)
    detection: list[Detection] = []
    parsed: list[pl.DataFrame] = []
    counts: dict[str, int] = {}
    samples: list[pl.DataFrame] = []
    fmt_used: list[LogFormat] = []
    per_input: dict[str, list[int]] = {i.path: [0, 0, 0, 0] for i in inputs}
    for pb in iter_parsed(
        chunks_of(inputs), log_format, threads=threads, on_detect=detection.append
    ):
        if not fmt_used:
            fmt_used.append(pb.format)
        if pb.parsed.height or not parsed:
            parsed.append(pb.parsed)
        if pb.rejected.height:
            for reason, n in pb.rejected.group_by("reason").len().iter_rows():
                counts[reason] = counts.get(reason, 0) + n
            samples.append(first_samples(pb.rejected))
        acc = per_input[pb.block.chunk.source]
        acc[0] += pb.lines
        acc[1] += pb.parsed.height
        acc[2] += pb.rejected.height
        acc[3] += pb.directives
    fmt = fmt_used[0] if fmt_used else _fallback_format(log_format, detection)
    frame = _concat(parsed, fmt)
    rej = pl.concat(samples) if samples else _no_rejections()
    table = pl.DataFrame(
        [
            {"source": k, "lines": v[0], "parsed": v[1], "rejected": v[2], "directives": v[3]}
            for k, v in per_input.items()
        ],
        schema={
            "source": pl.String,
            "lines": pl.UInt64,
            "parsed": pl.UInt64,
            "rejected": pl.UInt64,
            "directives": pl.UInt64,
        },
    )
    return ParsedLog(
        frame=frame,
        format=fmt,
        rejected_by_reason=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        samples=first_samples(rej).drop("chunk_start"),
        inputs=table,
        detection=detection[0] if detection else None,
        lines=int(table["lines"].sum()),
        directives=int(table["directives"].sum()),
    )


def _fallback_format(log_format: str | LogFormat | None, detection: list[Detection]) -> LogFormat:
    if log_format is not None:
        return resolve(log_format)
    if detection:
        return detection[0].format
    return resolve("combined")


def empty_frame(fmt: LogFormat) -> pl.DataFrame:
    """The parsed frame of a log with no rows, with the columns ``fmt`` gives."""
    cols = order_columns([*fmt.columns, "source"])
    return pl.DataFrame(schema={c: COLUMNS.get(c, pl.String()) for c in cols})


def _concat(frames: list[pl.DataFrame], fmt: LogFormat) -> pl.DataFrame:
    frames = [f for f in frames if f.height] or frames[:1]
    if not frames:
        return empty_frame(fmt)
    df = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    return df.select(order_columns(df.columns))


def first_samples(rejected: pl.DataFrame, per_reason: int = SAMPLES_PER_REASON) -> pl.DataFrame:
    """The first ``per_reason`` rejected lines of each reason, in input order."""
    return (
        rejected.sort("source", "chunk_start", "line")
        .group_by("reason", maintain_order=True)
        .head(per_reason)
        .select(rejected.columns)
        .sort("source", "chunk_start", "line")
    )


def scan_logs(
    source: str | os.PathLike[str] | list[str | os.PathLike[str]],
    *,
    log_format: str | LogFormat | None = None,
) -> pl.LazyFrame:
    """The lazy twin of :func:`read_logs`: a LazyFrame of the parsed rows.

    Nothing is read but the first lines (to detect the format and the
    columns) until the frame is collected; then the inputs are parsed block
    by block by the same engine as :func:`read_logs`, so the rows are the
    same. Rejected lines are left out (use :func:`read_logs` for their
    accounting). Standard input is read once, when the frame is collected.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 404 -\\n'
    ... )
    >>> scan_logs(p).select("status", "bytes").collect().row(0)
    (404, None)
    """
    from polars.io.plugins import register_io_source

    inputs = _inputs.resolve(source)
    files = [i for i in inputs if i.path != _inputs.STDIN]
    fmt = resolve(log_format) if log_format is not None else _detect_inputs(files)
    if fmt is None or len(files) < len(inputs):
        # Standard input can be read only once: parse it now, detecting the
        # format from it when no file told.
        log = read_logs(_inputs.STDIN, log_format=fmt)
        fmt = fmt or log.format
        stdin: pl.LazyFrame | None = log.frame.lazy()
        if not files:
            return stdin
    else:
        stdin = None
    schema = {c: COLUMNS.get(c, pl.String()) for c in empty_frame(fmt).columns}

    def batches(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        left = n_rows
        wanted: list[str] | None = None
        if with_columns is not None:
            need = set(with_columns)
            if predicate is not None:
                need |= set(predicate.meta.root_names())
            # Only the columns the query reads are extracted (at least one,
            # so that a frame keeps its height).
            wanted = [c for c in schema if c in need] or ["status"]
        blocks = iter_parsed(chunks_of(files), fmt, columns=wanted)
        try:
            for pb in blocks:
                df = _conform(pb.parsed, {c: schema[c] for c in wanted or schema})
                if predicate is not None:
                    df = df.filter(predicate)
                if with_columns is not None:
                    df = df.select(with_columns) if with_columns else df
                if left is not None:
                    df = df.head(left)
                    left -= df.height
                yield df
                if left is not None and left <= 0:
                    return
        finally:
            blocks.close()

    lf = register_io_source(batches, schema=schema, explain_name="httplog")
    if stdin is not None:
        lf = pl.concat([lf, stdin], how="diagonal_relaxed")
    return lf


def _conform(df: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A block's rows with exactly the columns of ``schema`` (missing ones null)."""
    return df.select(
        [
            pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c)
            for c, t in schema.items()
        ]
    )


def _detect_inputs(files: list[Input]) -> LogFormat | None:
    """The format of the first lines of the first non-empty file (None: all empty)."""
    for inp in files:
        block = next(_inputs.iter_blocks(Chunk(inp), 512 * 1024), None)
        if block is None:
            continue
        lines = lines_frame(block.data, block.lines)
        fmt = detect(_sample(lines)).format
        if fmt.syntax == "json":
            every = compile_json() if fmt.name == "json" else resolve(fmt.name)
            return narrow(every, _json_keys(lines, every))
        return fmt
    return None if not files else resolve("combined")
