"""Lines → typed rows: the parsing engine, and the accounting of every line.

Each block of whole lines (see :mod:`httplog.inputs`) is read into a polars
frame of one string column, matched against the format's single regular
expression, and converted to the columns of :mod:`httplog.schema`. A line
that can't be parsed becomes a *rejection* with a reason; for every block
``parsed + rejected == lines``, exactly.

Rejection reasons: ``empty`` (blank line), ``error_log`` (an nginx or Apache
error-log line), ``binary`` (control bytes such as NUL), ``bad_json`` (a JSON
line without a time or status), ``no_match`` (does not fit the format),
``bad_time`` (fits, but the time can't be read), ``bad_status`` (fits, but
the status is not a number).

Examples
--------
>>> import io, tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.0" 200 2326\\n'
...     "garbage\\n"
... )
>>> log = read_logs(p)
>>> log.parsed, log.rejected, log.rejected_by_reason
(1, 1, {'no_match': 1})
>>> log.frame.select("time", "path", "query", "status").row(0)
(datetime.datetime(2000, 10, 10, 20, 55, 36, tzinfo=zoneinfo.ZoneInfo(key='UTC')), '/a', 'b=1', 200)
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from httplog import inputs as _inputs
from httplog.errors import FormatError, UsageError
from httplog.formats import Field, LogFormat, resolve
from httplog.formats.detect import Detection, detect
from httplog.formats.jsonl import specialize
from httplog.inputs import Block, Chunk, Input
from httplog.schema import COLUMNS, TIME, order_columns

#: Rejected lines kept as samples, per reason.
SAMPLES_PER_REASON = 5
#: Characters of a rejected line kept in its sample.
SAMPLE_CHARS = 300

REASONS = ("empty", "error_log", "binary", "bad_json", "no_match", "bad_time", "bad_status")

_ERROR_LOG = (
    r"^(?:\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[(?:emerg|alert|crit|error|warn|notice|info|debug)\]"
    r"|\[[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} [\d:.]+ \d{4}\] \[(?:[\w-]+:)?"
    r"(?:emerg|alert|crit|error|warn|notice|info|debug|trace\d)\])"
)
_BINARY = r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f\x{FFFD}]"
_METHOD = r"^[A-Za-z][A-Za-z0-9_.-]*$"
_PROTOCOL = r"^[A-Za-z]+/[0-9.]+$"

#: Columns of the rejected-lines frame.
REJECTED_SCHEMA = {
    "source": pl.String,
    "chunk_start": pl.UInt64,
    "line": pl.UInt64,
    "reason": pl.String,
    "text": pl.String,
}


# ---------------------------------------------------------------- conversion


def _dash_null(e: pl.Expr) -> pl.Expr:
    return pl.when(e.is_in(["-", ""])).then(None).otherwise(e)


def _unescape(e: pl.Expr) -> pl.Expr:
    """Apache's \\" and \\\\ back to " and \\ (nginx writes \\xHH, left as written)."""
    return e.str.replace_all(r'\\(["\\])', "$1")


def _time_local(e: pl.Expr) -> pl.Expr:
    return e.str.strptime(TIME, "%d/%b/%Y:%H:%M:%S %z", strict=False)


def _time_iso(e: pl.Expr) -> pl.Expr:
    e = e.str.replace(",", ".", literal=True)
    with_offset = (
        pl.when(e.str.contains(r"[+-]\d{2}:?\d{2}$"))
        .then(e)
        .otherwise(e.str.replace(r"Z?$", "+00:00"))
    )
    return with_offset.str.strptime(TIME, "%Y-%m-%dT%H:%M:%S%.f%z", strict=False)


def _time_epoch(e: pl.Expr, unit: str | None) -> pl.Expr:
    scale = {"msec": 1e3, "usec": 1.0}.get(unit or "", 1e6)
    us = (e.cast(pl.Float64, strict=False) * scale).round(0).cast(pl.Int64, strict=False)
    return us.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _time_strftime(e: pl.Expr, fmt: str) -> pl.Expr:
    if "%z" in fmt or "%Z" in fmt:
        return e.str.strptime(TIME, fmt, strict=False)
    return e.str.strptime(pl.Datetime("us"), fmt, strict=False).dt.replace_time_zone("UTC")


def _uint(e: pl.Expr, dtype: pl.DataType = pl.UInt64()) -> pl.Expr:
    return _dash_null(e).cast(dtype, strict=False)


def _prepare(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
    """Intermediate columns a field needs before :func:`convert` (computed once).

    A request line is matched once (``_r_``) and its target split once at the
    first ``?`` (``_t_``: path, and query or null).
    """
    if f.kind == "request":
        return {f"_r_{f.group}": (_unescape(raw) if f.quoted else raw).str.splitn(" ", 3)}
    if f.kind == "uri":
        return {f"_t_{f.group}": _dash_null(raw).str.splitn("?", 2)}
    return {}


def _prepare_target(f: Field) -> dict[str, pl.Expr]:
    """Split a request line ``METHOD TARGET [PROTOCOL]``, then its target at ``?``.

    A request that is not of that shape (``-``, TLS bytes, an empty string)
    gets null method, target and protocol. A target holding spaces keeps
    them when no protocol follows.
    """
    if f.kind != "request":
        return {}
    parts = pl.col(f"_r_{f.group}")
    method, target, rest = (parts.struct.field(f"field_{i}") for i in range(3))
    valid = target.is_not_null() & method.str.contains(_METHOD)
    proto_ok = rest.str.contains(_PROTOCOL)
    full_target = pl.when(rest.is_null() | proto_ok).then(target).otherwise(
        pl.concat_str(target, pl.lit(" "), rest)
    )
    return {
        f"_m_{f.group}": pl.when(valid).then(method),
        f"_p_{f.group}": pl.when(valid & proto_ok).then(rest),
        f"_t_{f.group}": pl.when(valid).then(full_target).str.splitn("?", 2),
    }


def _upstream_seconds(e: pl.Expr) -> pl.Expr:
    nums = e.str.extract_all(r"\d+(?:\.\d+)?").list.eval(pl.element().cast(pl.Float64))
    return pl.when(nums.list.len() > 0).then(nums.list.sum()).otherwise(None)


def convert(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
    """Typed column expressions for one field, keyed by column name."""
    k = f.kind
    if k == "text":
        return {f.column: _unescape(_dash_null(raw)) if f.quoted else _dash_null(raw)}
    if k == "raw":
        return {f.column: pl.when(raw == "").then(None).otherwise(raw)}
    if k == "time_local":
        return {f.column: _time_local(raw)}
    if k == "time_iso":
        return {f.column: _time_iso(raw)}
    if k == "time_epoch":
        return {f.column: _time_epoch(raw, f.arg)}
    if k == "time_strftime":
        return {f.column: _time_strftime(raw, f.arg or "")}
    if k == "time_any":
        return {
            f.column: pl.coalesce(
                _time_iso(raw),
                _time_local(raw.str.strip_chars("[]")),
                pl.when(raw.str.contains(r"^\d+(?:\.\d+)?$")).then(_time_epoch(raw, None)),
            )
        }
    if k == "request":
        target = pl.col(f"_t_{f.group}")
        return {
            "method": pl.col(f"_m_{f.group}"),
            "path": target.struct.field("field_0"),
            "query": target.struct.field("field_1"),
            "protocol": pl.col(f"_p_{f.group}"),
        }
    if k == "uri":
        target = pl.col(f"_t_{f.group}")
        return {"path": target.struct.field("field_0"), "query": target.struct.field("field_1")}
    if k == "query":
        q = _dash_null(raw.str.strip_prefix("?"))
        return {f.column: q}
    if k == "status":
        return {f.column: _uint(raw, pl.UInt16())}
    if k == "uint":
        return {f.column: _uint(raw)}
    if k == "seconds":
        return {f.column: _dash_null(raw).cast(pl.Float64, strict=False)}
    if k == "millis":
        return {f.column: _dash_null(raw).cast(pl.Float64, strict=False) / 1e3}
    if k == "micros":
        return {f.column: _dash_null(raw).cast(pl.Float64, strict=False) / 1e6}
    if k == "upstream_seconds":
        return {f.column: _upstream_seconds(raw)}
    if k == "upstream_list":
        return {f.column: _dash_null(raw)}
    msg = f"unknown field kind {k!r}"  # pragma: no cover - formats only make known kinds
    raise FormatError(msg)


def _typed(columns: dict[str, pl.Expr]) -> list[pl.Expr]:
    out = []
    for name in order_columns(list(columns)):
        e = columns[name]
        dtype = COLUMNS.get(name)
        if dtype is not None and name != "source":
            e = e.cast(dtype, strict=False)
        out.append(e.alias(name))
    return out


# -------------------------------------------------------------------- blocks


def lines_frame(data: bytes) -> pl.DataFrame:
    """Raw lines of a block as a one-column frame (``line``; empty lines are null).

    Invalid UTF-8 becomes U+FFFD rather than failing the block; the unit
    separator byte (used as the CSV separator) is replaced likewise.
    """
    if b"\x1f" in data:
        data = data.replace(b"\x1f", "\ufffd".encode())
    if not data:
        return pl.DataFrame(schema={"line": pl.String})
    return pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator="\x1f",
        quote_char=None,
        schema={"line": pl.String},
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
    )


def _stages(fmt: LogFormat) -> tuple[list[dict[str, pl.Expr]], pl.Expr, list[pl.Expr]]:
    """The parse as expressions over a ``text`` column.

    Returns the stages of intermediate columns (each added in one
    ``with_columns``, so nothing is computed twice), the ``matched``
    expression, and the typed output columns.
    """
    text = pl.col("text")
    if fmt.syntax == "json":
        stage = {f"_f_{f.group}": text.str.json_path_match(f"$.{f.group}") for f in fmt.fields}
        matched = text.str.starts_with("{") & pl.all_horizontal(
            [pl.col(f"_f_{f.group}").is_not_null() for f in fmt.fields if f.column in ("time", "status")]
        )
        raw = {f.group: pl.col(f"_f_{f.group}") for f in fmt.fields}
    else:
        stage = {"_g": text.str.extract_groups(fmt.pattern)}
        matched = pl.col("_g").struct.field("_m").is_not_null()
        raw = {f.group: pl.col("_g").struct.field(f.group) for f in fmt.fields}
    prep: dict[str, pl.Expr] = {}
    target: dict[str, pl.Expr] = {}
    columns: dict[str, pl.Expr] = {}
    for f in fmt.fields:
        prep.update(_prepare(f, raw[f.group]))
        target.update(_prepare_target(f))
        for name, e in convert(f, raw[f.group]).items():
            columns.setdefault(name, e)
    return [stage, prep, target], matched, _typed(columns)


def _reason(is_json: bool) -> pl.Expr:
    """Why a line was rejected (null for a parsed line)."""
    text = pl.col("text")
    return (
        pl.when(~pl.col("_m"))
        .then(
            pl.when(text.is_null() | (text.str.strip_chars() == ""))
            .then(pl.lit("empty"))
            .when(text.str.contains(_ERROR_LOG))
            .then(pl.lit("error_log"))
            .when(text.str.contains(_BINARY))
            .then(pl.lit("binary"))
            .when(pl.lit(is_json) & text.str.starts_with("{"))
            .then(pl.lit("bad_json"))
            .otherwise(pl.lit("no_match"))
        )
        .when(pl.col("time").is_null())
        .then(pl.lit("bad_time"))
        .when(pl.col("status").is_null())
        .then(pl.lit("bad_status"))
    )


_OK = pl.col("_m") & pl.col("time").is_not_null() & pl.col("status").is_not_null()


def parse_lines(
    lines: pl.DataFrame, fmt: LogFormat, *, source: str, chunk_start: int = 0, first_line: int = 1
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse a frame of raw lines (column ``line``): (parsed rows, rejected lines).

    The rejected frame has the columns of :data:`REJECTED_SCHEMA`; its
    ``line`` is the 1-based line number counted from ``chunk_start``.
    """
    stages, matched, typed = _stages(fmt)
    df = lines.select(text="line").with_row_index("lineno", offset=first_line)
    df = df.with_columns(**stages[0]).with_columns(_m=matched)
    for stage in stages[1:]:
        df = df.with_columns(**stage)
    df = df.with_columns(typed)
    names = [e.meta.output_name() for e in typed]
    parsed = df.filter(_OK).select(*names, source=pl.lit(source, pl.String))
    rejected = df.filter(~_OK).select(
        source=pl.lit(source, pl.String),
        chunk_start=pl.lit(chunk_start, pl.UInt64),
        line=pl.col("lineno").cast(pl.UInt64),
        reason=_reason(fmt.syntax == "json"),
        text=pl.col("text").fill_null("").str.slice(0, SAMPLE_CHARS),
    )
    return parsed, rejected


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

    @property
    def lines(self) -> int:
        return self.parsed.height + self.rejected.height


@dataclass(frozen=True)
class ParsedLog:
    """A parsed log: the rows, and the account of every line read.

    ``frame`` has the columns of :mod:`httplog.schema` that the format gives;
    ``samples`` holds the first rejected lines per reason (``source``,
    ``line``, ``reason``, ``text``); ``inputs`` one row per input with its
    ``lines``, ``parsed`` and ``rejected`` counts.
    """

    frame: pl.DataFrame
    format: LogFormat
    rejected_by_reason: dict[str, int]
    samples: pl.DataFrame
    inputs: pl.DataFrame
    detection: Detection | None = None
    lines: int = 0

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


def iter_parsed(
    chunks: Iterable[Chunk],
    log_format: str | LogFormat | None = None,
    *,
    threads: int | None = None,
    block_size: int = _inputs.BLOCK_SIZE,
    on_detect: Callable[[Detection], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[ParsedBlock]:
    """Parse chunks block by block, ``threads`` blocks at a time, in input order.

    With ``log_format=None`` the format is detected from the first block and
    reported through ``on_detect``. ``progress(nbytes, lines)`` is called after
    each block. Memory stays bounded by about ``threads + 1`` blocks.
    """
    fmt = resolve(log_format) if log_format is not None else None
    nthreads = threads or min(2, os.cpu_count() or 1)
    blocks = (b for c in chunks for b in _inputs.iter_blocks(c, block_size))

    def work(block: Block, f: LogFormat) -> ParsedBlock:
        lines = lines_frame(block.data)
        if f.syntax == "json":
            f = specialize(f, _sample(lines))
        parsed, rejected = parse_lines(
            lines,
            f,
            source=block.chunk.source,
            chunk_start=block.chunk.start,
            first_line=block.first_line,
        )
        return ParsedBlock(block, f, parsed, rejected)

    with ThreadPoolExecutor(max_workers=nthreads) as pool:
        pending = []
        for block in blocks:
            if fmt is None:
                d = detect(_sample(lines_frame(block.data[: 512 * 1024])))
                fmt = d.format
                if on_detect:
                    on_detect(d)
            pending.append(pool.submit(work, block, fmt))
            if len(pending) > nthreads:
                pb = pending.pop(0).result()
                if progress:
                    progress(len(pb.block.data), pb.lines)
                yield pb
        for fut in pending:
            pb = fut.result()
            if progress:
                progress(len(pb.block.data), pb.lines)
            yield pb


def _sample(lines: pl.DataFrame, n: int = 1000) -> list[str]:
    return [s for s in lines["line"].head(n).to_list() if s]


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
    """
    inputs = _inputs.resolve(source)
    detection: list[Detection] = []
    parsed: list[pl.DataFrame] = []
    rejected: list[pl.DataFrame] = []
    fmt_used: list[LogFormat] = []
    per_input: dict[str, list[int]] = {i.path: [0, 0, 0] for i in inputs}
    for pb in iter_parsed(
        chunks_of(inputs), log_format, threads=threads, on_detect=detection.append
    ):
        if not fmt_used:
            fmt_used.append(pb.format)
        parsed.append(pb.parsed)
        rejected.append(pb.rejected)
        acc = per_input[pb.block.chunk.source]
        acc[0] += pb.lines
        acc[1] += pb.parsed.height
        acc[2] += pb.rejected.height
    fmt = fmt_used[0] if fmt_used else _fallback_format(log_format, detection)
    frame = _concat(parsed, fmt)
    rej = pl.concat(rejected) if rejected else pl.DataFrame(schema=REJECTED_SCHEMA)
    by_reason = dict(
        sorted(rej.group_by("reason").len().iter_rows(), key=lambda kv: (-kv[1], kv[0]))
    )
    samples = first_samples(rej)
    table = pl.DataFrame(
        [
            {"source": k, "lines": v[0], "parsed": v[1], "rejected": v[2]}
            for k, v in per_input.items()
        ],
        schema={"source": pl.String, "lines": pl.UInt64, "parsed": pl.UInt64, "rejected": pl.UInt64},
    )
    return ParsedLog(
        frame=frame,
        format=fmt,
        rejected_by_reason=by_reason,
        samples=samples.drop("chunk_start"),
        inputs=table,
        detection=detection[0] if detection else None,
        lines=int(table["lines"].sum()),
    )


def _fallback_format(log_format: str | LogFormat | None, detection: list[Detection]) -> LogFormat:
    if log_format is not None:
        return resolve(log_format)
    if detection:
        return detection[0].format
    return resolve("combined")


def _concat(frames: list[pl.DataFrame], fmt: LogFormat) -> pl.DataFrame:
    frames = [f for f in frames if f.height] or frames[:1]
    if not frames:
        empty = {c: COLUMNS.get(c, pl.String()) for c in [*fmt.columns, "source"]}
        return pl.DataFrame(schema={c: empty[c] for c in order_columns(list(empty))})
    df = pl.concat(frames, how="diagonal_relaxed")
    return df.select(order_columns(df.columns))


def first_samples(rejected: pl.DataFrame, per_reason: int = SAMPLES_PER_REASON) -> pl.DataFrame:
    """The first ``per_reason`` rejected lines of each reason, in input order."""
    return (
        rejected.sort("source", "chunk_start", "line")
        .group_by("reason", maintain_order=True)
        .head(per_reason)
        .sort("source", "chunk_start", "line")
    )


def scan_logs(
    source: str | os.PathLike[str] | list[str | os.PathLike[str]],
    *,
    log_format: str | LogFormat | None = None,
) -> pl.LazyFrame:
    """The lazy twin of :func:`read_logs`: a LazyFrame of the parsed rows.

    The parse runs when the frame is collected; rejected lines are left out
    (use :func:`read_logs` for their accounting).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "w").write('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 404 -\\n')
    >>> scan_logs(p).select("status", "bytes").collect().row(0)
    (404, None)
    """
    inputs = _inputs.resolve(source)
    fmt = resolve(log_format) if log_format is not None else None

    def streamed(inp: Input) -> pl.LazyFrame:
        # stdin, .bz2 and .xz are not read by polars itself: parse them eagerly.
        frames = [pb.parsed for pb in iter_parsed([Chunk(inp)], fmt)]
        return _concat(frames, fmt or resolve("combined")).lazy()

    if all(i.path != _inputs.STDIN and i.compression in (None, "gzip", "zstd") for i in inputs):
        if fmt is None:
            first = next(_inputs.iter_blocks(Chunk(inputs[0]), 512 * 1024), None)
            fmt = detect(_sample(lines_frame(first.data))).format if first else resolve("combined")
        return pl.concat([_scan_native(i, fmt) for i in inputs], how="diagonal_relaxed")
    return pl.concat([streamed(i) for i in inputs], how="diagonal_relaxed")


def _scan_native(inp: Input, fmt: LogFormat) -> pl.LazyFrame:
    """A polars-native lazy scan of one plain, .gz or .zst file, parsed."""
    lines = pl.scan_csv(
        inp.path,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        schema={"line": pl.String},
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
    )
    if fmt.syntax == "json":
        head = lines.head(1000).collect()
        fmt = specialize(fmt, _sample(head))
    return _parse_lazy(lines, fmt, inp.path)


def _parse_lazy(lines: pl.LazyFrame, fmt: LogFormat, source: str) -> pl.LazyFrame:
    stages, matched, typed = _stages(fmt)
    names = [e.meta.output_name() for e in typed]
    lf = lines.select(text="line").with_columns(**stages[0]).with_columns(_m=matched)
    for stage in stages[1:]:
        lf = lf.with_columns(**stage)
    return lf.with_columns(typed).filter(_OK).select(*names, source=pl.lit(source, pl.String))
