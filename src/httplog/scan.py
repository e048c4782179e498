"""Whole logs: :func:`scan_logs` (a polars LazyFrame) and :func:`read_logs` (it, collected).

Both read through one :class:`_Scan`: the inputs resolved, the format named
or detected once from the first lines of the first non-empty input, and the
blocks parsed by :mod:`httplog.engine`. :func:`scan_logs` hands the blocks to
polars as an IO source, so a query parses only the columns it reads and stops
early on ``head``; :func:`read_logs` collects every block, with the account of
every line (per input: lines, parsed, rejected, directives; rejected lines by
reason, with the first lines of each as samples).

``scan_logs(..., rejected=True)`` gives the rejected lines as rows too, with
their ``line`` number, ``reason`` and ``text``: the accounting, lazily. (A lazy
frame's columns are fixed before it is read: they are those of the first
lines, so a W3C layout or JSON keys that first appear further on are columns
of :func:`read_logs`'s frame only.)

Examples
--------
>>> import os, tempfile
>>> import polars as pl
>>> p = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.0" 200 2326\\ngarbage\\n'
... )
>>> log = read_logs(p)
>>> log.parsed, log.rejected, log.rejected_by_reason, log.format
(1, 1, {'no_match': 1}, 'common')
>>> log.frame.select("time", "path", "query", "status").row(0)
(datetime.datetime(2000, 10, 10, 20, 55, 36, tzinfo=zoneinfo.ZoneInfo(key='UTC')), '/a', 'b=1', 200)
>>> log.samples.select("source", "line", "reason").row(0) == (p, 2, "no_match")
True
>>> scan_logs(p, rejected=True).select("line", "status", "reason").collect().rows()
[(1, 200, None), (2, None, 'no_match')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl

from httplog import inputs as _inputs
from httplog.engine import DETECT_BYTES, iter_parsed, parsing_format, sample_lines
from httplog.formats import LogFormat, compile_format, w3c
from httplog.formats.detect import Detection, detect
from httplog.formats.jsonl import narrow
from httplog.inputs import STDIN, Chunk, Input, Source
from httplog.parse import (
    LINE,
    REJECTED_SCHEMA,
    ParsedBlock,
    empty_frame,
    first_samples,
    json_keys,
    lines_frame,
    output_schema,
)
from httplog.schema import order_columns

#: Columns ``scan_logs(..., rejected=True)`` adds (besides the parsed ones).
OUTCOME: dict[str, pl.DataType] = {
    LINE: pl.UInt64(),
    "reason": pl.String(),
    "text": pl.String(),
}


@dataclass(frozen=True)
class ParsedLog:
    """A parsed log: the rows, and the account of every line read.

    ``frame`` has the columns of :mod:`httplog.schema` that the format gives;
    ``format`` is the format's label (as :attr:`httplog.Analysis.format` and
    the summary's ``format``) and ``log_format`` the compiled format itself
    (to read more logs with); ``samples`` holds the first rejected lines per
    reason (``source``, ``line``, ``reason``, ``text``); ``inputs`` one row per
    input with its ``lines``, ``parsed``, ``rejected`` and ``directives`` counts.
    """

    frame: pl.DataFrame
    format: str
    log_format: LogFormat
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
        """Lines that are requests (the frame's rows)."""
        return self.frame.height

    @property
    def rejected(self) -> int:
        """Lines that are not requests, whatever the reason."""
        return sum(self.rejected_by_reason.values())


class _Scan:
    """One reading of logs: the inputs, the format (named, or detected once),
    the columns a lazy frame has, and the parsed blocks.

    Standard input can be read only once: it is parsed when the scan is made,
    and its blocks kept (so that a lazy frame over it can be collected again).
    """

    def __init__(
        self,
        source: Source,
        log_format: str | LogFormat | None = None,
        threads: int | None = None,
    ) -> None:
        self.inputs = _inputs.resolve_inputs(source)
        self.threads = threads
        self.files = [i for i in self.inputs if i.path != STDIN]
        given = compile_format(log_format) if log_format is not None else None
        self.detection: Detection | None = None
        #: What the blocks are parsed with (None: detect it from the first block read).
        self.format: LogFormat | None = given
        #: What the lazy frame's columns come from (the first lines' layout or keys).
        self.layout: LogFormat | None = given
        first = _first_lines(self.files)
        if first is not None:
            self._learn(first)
        self.stdin: list[ParsedBlock] = []
        if len(self.files) < len(self.inputs):
            found: list[Detection] = []
            # Numbered (for rejected=True) when the columns are known; standard
            # input alone with no format named is detected as it is parsed.
            cols = (*self.schema, LINE) if self.layout is not None else None
            chunks = [Chunk(Input(STDIN))]
            self.stdin = list(
                iter_parsed(
                    chunks, self.format, threads=threads, columns=cols, on_detect=found.append
                )
            )
            if found:
                self.detection = found[0]
                self.format = parsing_format(found[0])
            if not self.files and self.stdin:
                self.layout = self.stdin[0].format
        if self.format is None or self.layout is None:  # nothing anywhere: nothing detected
            self.format = self.layout = self.format or compile_format("combined")

    def _learn(self, lines: pl.DataFrame) -> None:
        """Detect the format from the first lines (unless named) and their layout."""
        if self.format is None:
            d = detect(sample_lines(lines))
            self.detection = d
            self.format = parsing_format(d)
        fmt = self.format
        if fmt.syntax == "json":
            self.layout = narrow(fmt, json_keys(lines, fmt))
        elif fmt.syntax == "w3c":
            starts = lines["line"].str.starts_with("#Fields:").fill_null(False).arg_true()
            self.layout = w3c.from_directive(lines["line"][starts[0]], fmt) if len(starts) else fmt
        else:
            self.layout = fmt

    @property
    def schema(self) -> dict[str, pl.DataType]:
        """The lazy frame's columns."""
        assert self.layout is not None
        return output_schema(self.layout)

    def blocks(self, columns: tuple[str, ...] | None = None) -> Iterator[ParsedBlock]:
        """Every block, files first (in order), then standard input's."""
        if self.files:
            it = iter_parsed(
                [Chunk(i) for i in self.files], self.format, threads=self.threads, columns=columns
            )
            try:
                yield from it
            finally:
                it.close()
        yield from self.stdin

    # ------------------------------------------------------------- lazy

    def lazy(self, *, rejected: bool = False) -> pl.LazyFrame:
        from polars.io.plugins import register_io_source

        schema = self.schema
        full = {**schema, **OUTCOME} if rejected else schema

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
                wanted = [c for c in full if c in need] or ["status"]
            out = {c: full[c] for c in (wanted if wanted is not None else full)}
            cols: tuple[str, ...] | None = None
            if wanted is not None or rejected:
                cols = tuple(c for c in out if c in schema) or ("status",)
                cols = (*cols, LINE) if LINE in out else cols
            for pb in self.blocks(cols):
                df = _conform(pb.parsed, out)
                if rejected and pb.rejected.height:
                    bad = _conform(pb.rejected, out)
                    df = pl.concat([df, bad])
                    df = df.sort(LINE, maintain_order=True) if LINE in out else df
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

        return register_io_source(batches, schema=full, explain_name="httplog")

    # ------------------------------------------------------------- eager

    def collect(self) -> ParsedLog:
        parsed: list[pl.DataFrame] = []
        counts: dict[str, int] = {}
        samples: list[pl.DataFrame] = []
        used: list[LogFormat] = []
        per_input: dict[str, list[int]] = {i.path: [0, 0, 0, 0] for i in self.inputs}
        for pb in self.blocks():
            if not used:
                used.append(pb.format)
            if pb.parsed.height or not parsed:
                parsed.append(pb.parsed.drop(LINE, strict=False))
            if pb.rejected.height:
                for reason, n in pb.rejected.group_by("reason").len().iter_rows():
                    counts[reason] = counts.get(reason, 0) + n
                samples.append(first_samples(pb.rejected))
            acc = per_input[pb.block.chunk.source]
            acc[0] += pb.lines
            acc[1] += pb.parsed.height
            acc[2] += pb.rejected.height
            acc[3] += pb.directives
        assert self.format is not None
        fmt = used[0] if used else self.format
        frame = _concat(parsed, fmt)
        rej = pl.concat(samples) if samples else pl.DataFrame(schema=REJECTED_SCHEMA)
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
            format=fmt.label,
            log_format=fmt,
            rejected_by_reason=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            samples=first_samples(rej).drop("chunk_start"),
            inputs=table,
            detection=self.detection,
            lines=int(table["lines"].sum()),
            directives=int(table["directives"].sum()),
        )


def read_logs(
    source: Source,
    *,
    log_format: str | LogFormat | None = None,
    threads: int | None = None,
) -> ParsedLog:
    """Read and parse logs into a :class:`ParsedLog` (rows plus accounting):
    :func:`scan_logs` collected, with the account of every line.

    ``source`` is a path, a glob, ``-`` for standard input, or a list of
    them; ``.gz``, ``.bz2``, ``.xz`` and ``.zst`` files are decompressed.
    ``log_format`` is a named format, an nginx or Apache format string, a
    compiled :class:`~httplog.formats.LogFormat`, or ``None`` to detect it
    from the first lines. ``threads``: blocks parsed at a time.

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "empty.log")
    >>> _ = open(p, "w")
    >>> log = read_logs(p)
    >>> log.lines, log.parsed, log.rejected, log.frame.columns[:2]
    (0, 0, 0, ['time', 'remote_addr'])
    """
    return _Scan(source, log_format, threads).collect()


def scan_logs(
    source: Source,
    *,
    log_format: str | LogFormat | None = None,
    rejected: bool = False,
    threads: int | None = None,
) -> pl.LazyFrame:
    """The parsed rows as a polars LazyFrame (:func:`read_logs`, lazily).

    Nothing is read but the first lines (to detect the format and the
    columns) until the frame is collected; then the inputs are parsed block
    by block, extracting only the columns the query reads. With ``rejected``,
    every rejected line is a row too (its parsed columns null), and three
    columns say what each line was: ``line`` (its number in its source),
    ``reason`` (null for a request; else why it was rejected) and ``text``
    (a rejected line's first characters). Standard input can be read only
    once: it is read when the scan is made, and kept.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 404 -\\n'
    ... )
    >>> scan_logs(p).select("status", "bytes").collect().row(0)
    (404, None)
    """
    return _Scan(source, log_format, threads).lazy(rejected=rejected)


def _first_lines(files: Iterable[Input]) -> pl.DataFrame | None:
    """The first lines of the first non-empty file (None: every file is empty)."""
    for inp in files:
        block = next(_inputs.iter_blocks(Chunk(inp), DETECT_BYTES), None)
        if block is not None:
            return lines_frame(block.data, block.lines)
    return None


def _concat(frames: list[pl.DataFrame], fmt: LogFormat) -> pl.DataFrame:
    frames = [f for f in frames if f.height] or frames[:1]
    if not frames:
        return empty_frame(fmt)
    df = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    return df.select(order_columns(df.columns))


def _conform(df: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """A block's rows with exactly the columns of ``schema`` (missing ones null)."""
    return df.select(
        [
            pl.col(c).cast(t) if c in df.columns else pl.lit(None, t).alias(c)
            for c, t in schema.items()
        ]
    )
