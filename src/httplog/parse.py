"""Lines → typed rows: one block of lines parsed with a format, every line accounted for.

Each block of whole lines (see :mod:`httplog.inputs`) is read into a polars
frame of one string column (:mod:`httplog.lines`), matched against the
format's single regular expression, and converted to the columns of
:mod:`httplog.schema` (each field as its *kind* says:
:mod:`httplog.formats.kinds`), all in one lazy query run on polars' streaming engine (so one block uses every core). A line
that can't be parsed becomes a *rejection* with a reason; for every block
``parsed + rejected + directives == lines``, exactly. Running blocks on
threads is :mod:`httplog.engine`'s; whole logs are :mod:`httplog.scan`'s.

Rejection reasons: ``empty`` (blank line), ``error_log`` (an nginx or Apache
error-log line), ``binary`` (control bytes such as NUL, or bytes that are not
UTF-8), ``bad_json`` (a JSON line that is not an object with a time and a
status), ``no_match`` (does not fit the format), ``bad_time`` (fits, but the
time can't be read), ``bad_status`` (fits, but the status is not a number),
``too_long`` (longer than the chunk's ``max_line`` bytes, 1 MiB unless told:
never held whole in memory, and sampled cut short; see :class:`~httplog.inputs.Block`).

Examples
--------
>>> from httplog.formats import compile_format
>>> lines = lines_frame(
...     b'192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.0" 200 2326\\ngarbage\\n'
... )
>>> ok, bad = parse_lines(lines, compile_format("common"), source="access.log")
>>> ok.select("time", "path", "query", "status").row(0)
(datetime.datetime(2000, 10, 10, 20, 55, 36, tzinfo=zoneinfo.ZoneInfo(key='UTC')), '/a', 'b=1', 200)
>>> bad.select("line", "reason").rows()
[(2, 'no_match')]
"""

from __future__ import annotations

import functools
import itertools
import json
from dataclasses import dataclass

import polars as pl

from httplog.formats import KINDS, Field, LogFormat, columns_of, w3c
from httplog.formats.escapes import (
    DIALECTS,
    beyond_ascii,
    beyond_ascii_bytes,
    trigger,
    unescape,
)
from httplog.formats.jsonl import json_leaf, json_path, narrow
from httplog.inputs import Block
from httplog.lines import _CSV, _clean, _looks_compressed, _split_lines, lines_frame
from httplog.schema import COLUMNS, order_columns

__all__ = [
    "LINE",
    "REASONS",
    "REJECTED_SCHEMA",
    "SAMPLES_PER_REASON",
    "ParsedBlock",
    "empty_frame",
    "first_samples",
    "json_keys",
    "lines_frame",
    "output_schema",
    "parse_block",
    "parse_lines",
]

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

#: Columns of the rejected-lines frame.
REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "chunk_start": pl.UInt64(),
    "line": pl.UInt64(),
    "reason": pl.String(),
    "text": pl.String(),
}

#: The pseudo-column asking for the line number of each parsed row (``line``).
LINE = "line"


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

    >>> from httplog.formats import compile_format
    >>> lines = lines_frame(
    ...     b'192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 5\\n\\n'
    ... )
    >>> ok, bad = parse_lines(lines, compile_format("common"), source="x", first_line=7)
    >>> ok.height, bad.select("line", "reason").rows()
    (1, [(8, 'empty')])
    >>> parse_lines(lines, compile_format("common"), source="x", columns=["status"])[0].columns
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
    level = _needs_unescape(fmt, lines["line"], cols)
    plan = _plan(fmt, level, cols)
    df = _collect(fmt, level, cols, lines.lazy(), many=level > 0)
    return _split_result(df, plan, fmt, cols, source, chunk_start, first_line, too_long)


def _collect(
    fmt: LogFormat,
    level: int,
    cols: tuple[str, ...] | None,
    lines: pl.LazyFrame,
    *,
    many: bool = False,
) -> pl.DataFrame:
    """Every line's result (see :meth:`_Plan.apply`), collected on the streaming engine.

    With escapes to undo (``level`` > 0, see :func:`_plan`), only the lines
    holding the escape character (``\\`` for Apache and nginx, few in most
    logs) are parsed with unescaping, the others without (unescaping a value
    without that character changes nothing), and the unescaped rows are put
    back in their places; unless ``many`` lines may have escapes: then every
    line is parsed with unescaping at once.
    """
    if level == 0 or many:
        return _plan(fmt, level, cols).apply(lines).collect(engine="streaming")
    mark = trigger(fmt.escapes)
    assert mark is not None  # (a level above 0 says the dialect has escapes)
    escaped = pl.col("text").str.contains(mark.decode(), literal=True).fill_null(False)
    df = _plan(fmt, 0, cols).apply(lines).with_columns(_e=escaped).collect(engine="streaming")
    has = df["_e"]
    df = df.drop("_e")
    if not has.any():
        return df
    again = _plan(fmt, level, cols).apply(df.lazy().filter(has).select(line="text")).collect()
    at = has.arg_true()
    return df.with_columns(df[c].scatter(at, again[c]) for c in df.columns)


#: A block with more escape characters than one per this many lines is parsed
#: with unescaping at once (see :func:`_collect`).
_ESCAPES_SPREAD = 8


#: Bytes of a block whose escape characters :func:`_many_escapes` counts.
_ESCAPES_SAMPLE = 1 << 20


def _many_escapes(fmt: LogFormat, data: bytes, lines: int) -> bool:
    """Whether enough of a block's lines may hold escapes to unescape them all at once,
    judged from its first :data:`_ESCAPES_SAMPLE` bytes (counting in all of a 12 MiB
    block costs about as much as reading it into lines; either way of parsing gives
    the same rows, one is only faster)."""
    mark = trigger(fmt.escapes)
    if mark is None or not data:
        return False
    sample = min(len(data), _ESCAPES_SAMPLE)
    return data.count(mark, 0, sample) * _ESCAPES_SPREAD * len(data) > lines * sample


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
    numbered = cols is not None and LINE in cols
    if int(ok.sum()) == df.height:
        if numbered:
            end = first_line + df.height
            rows = rows.with_columns(pl.int_range(first_line, end, dtype=pl.UInt64).alias(LINE))
        return rows, _no_rejections(), 0
    parsed = rows.filter(ok)  # (selected first: the lines' text is not copied)
    if numbered:
        parsed = parsed.with_columns((ok.arg_true().cast(pl.UInt64) + first_line).alias(LINE))
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
    #: The block's place in reading order among the blocks of one
    #: :func:`httplog.engine.map_parsed` call (from 0).
    ordinal: int = 0

    @property
    def lines(self) -> int:
        """Every line of the block: ``parsed + rejected + directives``."""
        return self.parsed.height + self.rejected.height + self.directives


def parse_block(block: Block, fmt: LogFormat, columns: tuple[str, ...] | None) -> ParsedBlock:
    """One block: its bytes are read into lines and parsed in one streaming query.

    ``fmt`` is the format in force where the block starts; in a W3C log a
    ``#Fields:`` line within the block starts a new layout for the lines after it.
    """
    src, start = block.chunk.source, block.chunk.start
    if fmt.syntax == "json":
        lines = lines_frame(block.data, block.lines)
        fmt = narrow(fmt, json_keys(lines, fmt))
        parsed, rejected, directives = _parse_frame(
            lines, fmt, src, start, block.first_line, columns, block.too_long
        )
        return ParsedBlock(block, fmt, parsed, rejected, directives)
    if fmt.syntax == "w3c" and b"#Fields:" in block.data:
        return _parse_layouts(block, fmt, columns)
    level = _needs_unescape(fmt, block.data, columns)
    plan = _plan(fmt, level, columns)
    many = level > 0 and _many_escapes(fmt, block.data, block.lines)
    if _looks_compressed(block.data):
        df = _collect(fmt, level, columns, _split_lines(block.data).lazy(), many=many)
    else:
        df = _collect(fmt, level, columns, pl.scan_csv(_clean(block.data), **_CSV), many=many)
    if df.height != block.lines:  # the same safety net as lines_frame's
        df = _collect(fmt, level, columns, _split_lines(block.data).lazy(), many=many)
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


def json_keys(lines: pl.DataFrame, fmt: LogFormat) -> set[str]:
    """Which of the format's candidate keys occur in the lines (one pass, literal search)."""
    candidates = sorted({json_leaf(f.group) for f in fmt.fields})
    needles = [json.dumps(k) + ":" for k in candidates]
    found = lines["line"].str.extract_many(needles).explode().drop_nulls().unique()
    return {json.loads(x[:-1]) for x in found.to_list()}


def first_samples(rejected: pl.DataFrame, per_reason: int = SAMPLES_PER_REASON) -> pl.DataFrame:
    """The first ``per_reason`` rejected lines of each reason, in input order."""
    return (
        rejected.sort("source", "chunk_start", "line")
        .group_by("reason", maintain_order=True)
        .head(per_reason)
        .select(rejected.columns)
        .sort("source", "chunk_start", "line")
    )


def output_schema(fmt: LogFormat) -> dict[str, pl.DataType]:
    """The columns (and their dtypes) of the rows ``fmt`` parses to, ``source`` included.

    >>> from httplog.formats import compile_format
    >>> list(output_schema(compile_format("common")))[:3]
    ['time', 'remote_addr', 'remote_user']
    """
    plan = _plan(fmt, 0)
    empty = pl.LazyFrame(schema={"line": pl.String})
    schema = dict(plan.apply(empty).select(*plan.names).collect_schema())
    return {c: schema.get(c, pl.String()) for c in order_columns([*plan.names, "source"])}


def empty_frame(fmt: LogFormat) -> pl.DataFrame:
    """The parsed frame of a log with no rows, with the columns ``fmt`` gives."""
    return pl.DataFrame(schema=output_schema(fmt))
