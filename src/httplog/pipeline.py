"""A whole run: logs (or partials) → a partial → an analysis → alerts → outputs.

:func:`run` is what ``httplog analyze`` does, as a library call: it resolves
the inputs, checks that no output would overwrite one, reads them here, from
an incremental state (only what is new) or on a Dask cluster, checks the
share of rejected lines, finalizes the analysis, evaluates the alert
conditions, and writes the report, the JSON summary and the export (every
write atomic: :mod:`httplog.outputs`). :func:`collect` stops at the partial
(``httplog aggregate``) and :func:`run_partials` starts from partials
(``httplog report``). :func:`analyze` is the short form for notebooks.

Errors are :class:`~httplog.errors.HttplogError` kinds with fields; nothing
is printed.

Examples
--------
>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> p = os.path.join(d, "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 10 "-" "curl/8"\\n'
...     '192.0.2.2 - - [10/Oct/2000:13:56:01 +0000] "GET /x HTTP/1.1" 503 0 "-" "curl/8"\\n'
... )
>>> r = run(p, fail_on=["5xx-rate>10%"], outputs=Outputs(json=os.path.join(d, "s.json")))
>>> r.analysis.requests, [c.message for c in r.breached], r.written
(2, ['5xx-rate>10%: 5xx rate is 50% (> 10%)'], [('Summary', '...s.json')])
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import polars as pl

from httplog import alerts as _alerts
from httplog.aggregation import aggregate, aggregate_chunks
from httplog.alerts import Check, Condition
from httplog.analysis import Analysis, finalize
from httplog.errors import ConflictError, UsageError
from httplog.formats import LogFormat
from httplog.inputs import STDIN, Chunk, Input, Source, expand_glob, resolve_inputs
from httplog.options import (
    Cluster,
    ReadOptions,
    SpikeParams,
    ViewOptions,
    for_reading,
    options_from,
)
from httplog.outputs import EXPORT_TABLES, HOST_TABLES, Outputs, Planned, check_outputs, temporary
from httplog.partial import TABLES, Partial, bounded, merge
from httplog.scan import ParsedLog, scan_logs
from httplog.summary import dumps, to_summary

__all__ = ["Progress", "Run", "analyze", "collect", "run", "run_partials"]


class Progress(Protocol):
    """What a run reports its reading to (a progress bar): the bytes to read
    (None: unknown, such as compressed or piped input), then after each block
    the bytes and lines it held, then the end."""

    def start(self, total_bytes: int | None) -> None: ...

    def advance(self, nbytes: int, lines: int) -> None: ...

    def stop(self) -> None: ...


@dataclass
class _Calls:
    """A ``progress(nbytes, lines)`` function as a :class:`Progress`."""

    fn: Callable[[int, int], None]

    def start(self, total_bytes: int | None) -> None:
        pass

    def advance(self, nbytes: int, lines: int) -> None:
        self.fn(nbytes, lines)

    def stop(self) -> None:
        pass


@dataclass(frozen=True)
class Run:
    """What a run did: the partial read (``partial``), what it adds up to
    (``analysis``), the alert conditions evaluated (``checks``; ``breached``
    those that hold), the summary written (``summary``), what an incremental
    run did (``incremental``), and the outputs written (``written``: pairs of
    what and path)."""

    partial: Partial
    analysis: Analysis | None = None
    checks: list[Check] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    incremental: dict[str, Any] | None = None
    written: list[tuple[str, str]] = field(default_factory=list)

    @property
    def breached(self) -> list[Check]:
        """The alert conditions that hold (what makes ``httplog`` exit with status 1)."""
        return [c for c in self.checks if c.breached]


def analyze(
    source: Source | pl.DataFrame | pl.LazyFrame | ParsedLog,
    read: ReadOptions | None = None,
    view: ViewOptions | None = None,
    *,
    log_format: str | LogFormat | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: tuple[str, ...] | list[str] | None = None,
    path_prefix: str | None = None,
    threads: int | None = None,
    window: str | None = None,
    tz: str | None = None,
    lang: str | None = None,
    top: int | None = None,
    bots: str | None = None,
    spikes: SpikeParams | None = None,
    client: object = None,
    progress: Callable[[int, int], None] | None = None,
) -> Analysis:
    """Analyse logs: ``source`` as for :func:`httplog.read_logs`; with a
    ``dask.distributed`` ``client``, on its cluster.

    Options come as a :class:`~httplog.options.ReadOptions` and a
    :class:`~httplog.options.ViewOptions`, or as their fields by keyword
    (``analyze("access.log", window="5m", lang="zh", status=["5xx"])``; a field
    given by keyword wins). ``progress(nbytes, lines)`` is called after each
    block read. The result equals :func:`run`'s analysis (without outputs).

    ``source`` may also be rows already parsed: a :class:`~httplog.scan.ParsedLog`
    (:func:`httplog.read_logs`: its lines are accounted for too), or a polars
    DataFrame or LazyFrame with the parsed columns (:mod:`httplog.schema`;
    ``time`` and ``status`` at least), such as a filtered ``read_logs(…).frame``
    or :func:`httplog.scan_logs`. The read's filters and the view's since/until
    apply to its rows; its format is the ParsedLog's (``unknown`` for a frame).
    Parsed rows don't keep the UTC offsets the lines wrote (unless they have
    a ``utc_offset`` column), so the default ``tz="log"`` shows them in UTC:
    give ``tz`` for the log's own clock. Any other type is a UsageError.

    >>> import os, tempfile
    >>> import polars as pl
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 404 0 "-" "-"\\n'
    ... )
    >>> analyze(p).classes.filter(pl.col("requests") > 0)["class"].to_list()
    ['4xx']
    """
    read, view = options_from(
        read,
        view,
        log_format=log_format,
        since=since,
        until=until,
        status=status,
        path_prefix=path_prefix,
        threads=threads,
        window=window,
        tz=tz,
        lang=lang,
        top=top,
        bots=bots,
        spikes=spikes,
    )
    if isinstance(source, pl.DataFrame | pl.LazyFrame | ParsedLog):
        if read.log_format is not None:
            msg = "rows parsed already take no log format"
            raise UsageError(msg, option="log_format", value=str(read.log_format))
        read, view = for_reading(read, view)
        return finalize(_parsed_partial(source, read), view, read=read)
    if not isinstance(source, str | os.PathLike | list | tuple):
        msg = (
            f"cannot analyse a {type(source).__name__}: give paths, globs or '-', "
            "a ParsedLog, or a polars DataFrame/LazyFrame of parsed rows"
        )
        raise UsageError(msg, option="source", value=type(source).__name__)
    cluster = Cluster(client=client) if client is not None else None
    calls = _Calls(progress) if progress is not None else None
    done = run(source, read=read, view=view, cluster=cluster, progress=calls)
    assert done.analysis is not None
    return done.analysis


def _parsed_partial(source: pl.DataFrame | pl.LazyFrame | ParsedLog, read: ReadOptions) -> Partial:
    """The partial of rows parsed already (see :func:`analyze`), the read's row filter applied."""
    log = source if isinstance(source, ParsedLog) else None
    rows = log.frame if log is not None else source
    assert not isinstance(rows, ParsedLog)
    names = rows.collect_schema().names()
    if "time" not in names or "status" not in names:
        msg = (
            "a frame to analyse needs the parsed columns time and status "
            f"(see httplog.schema); it has {', '.join(names[:8]) or 'none'}"
        )
        raise UsageError(msg, option="source", value=type(source).__name__)
    parsed = (
        rows.select(pl.len()).collect().item() if isinstance(rows, pl.LazyFrame) else rows.height
    )
    keep = read.filter.expr
    rows = rows.filter(keep) if keep is not None else rows
    # (bounded as a run's partial is: the same summaries, the same errors)
    part = bounded(aggregate(rows, format_label=log.format if log is not None else None))
    if log is None:
        return part.with_tables(chunks=part.chunks.with_columns(parsed=pl.lit(parsed, pl.UInt64)))
    # The lines of a ParsedLog are accounted for as they were read: one chunk per input.
    first = part.chunks.row(0, named=True)
    chunks = log.inputs.select(
        "source",
        chunk_start=pl.lit(0, pl.UInt64),
        lines="lines",
        parsed="parsed",
        rejected="rejected",
        directives="directives",
        bytes_read=pl.lit(0, pl.UInt64),
        time_min=pl.lit(first["time_min"], part.chunks.schema["time_min"]),
        time_max=pl.lit(first["time_max"], part.chunks.schema["time_max"]),
        format=pl.lit(log.format),
        detection=pl.lit(str(log.detection) if log.detection is not None else None, pl.String),
    )
    one = log.inputs["source"][0] if log.inputs.height == 1 else ""
    rejected = pl.DataFrame(
        {
            "source": [one] * len(log.rejected_by_reason),
            "reason": list(log.rejected_by_reason),
            "count": list(log.rejected_by_reason.values()),
        }
    )
    samples = log.samples.select(
        "source", chunk_start=pl.lit(0), line="line", reason="reason", text="text"
    )
    return part.with_tables(
        chunks=chunks.select(TABLES["chunks"].cast()),
        rejected=rejected.select(TABLES["rejected"].cast()),
        samples=samples.select(TABLES["samples"].cast()),
    )


def run(
    sources: Source,
    *,
    read: ReadOptions | None = None,
    view: ViewOptions | None = None,
    state: str | os.PathLike[str] | None = None,
    state_reset: bool = False,
    cluster: Cluster | None = None,
    max_rejected: float | str | None = None,
    fail_on: Iterable[str | Condition] = (),
    outputs: Outputs | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Run:
    """Analyse logs and write the outputs: everything ``httplog analyze`` does.

    - ``sources``: paths, globs, ``-`` (standard input), as for :func:`httplog.read_logs`.
    - ``read``, ``view``: what is counted and how it is shown. ``view.since``
      and ``view.until`` cut the rows exactly as they are read; with a
      ``state``, they view the state's minutes instead.
    - ``state``: an incremental-state directory (:mod:`httplog.state`): only
      new lines are read, the analysis is of everything the state has seen;
      ``state_reset`` starts it over. Not with a ``cluster``.
    - ``cluster``: read on Dask (:class:`~httplog.options.Cluster`).
    - ``max_rejected``: more rejected lines than this share (``0.5``,
      ``"50%"``) is a :class:`~httplog.errors.RejectedError` (None: no limit);
      nothing is written then, and a state is left as it was.
    - ``fail_on``: alert conditions (``"5xx-rate>2%"``: :mod:`httplog.alerts`).
    - ``outputs``: the report, summary and export to write (none by default).
    - ``now``: the time of the run (the summary's ``generated_at``).

    >>> import httplog, os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> log = os.path.join(d, "access.log")
    >>> _ = open(log, "w").write(
    ...     '192.0.2.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"\\n'
    ...     '192.0.2.2 - - [20/Nov/2026:10:00:01 +0000] "GET /x HTTP/1.1" 503 0 "-" "curl/8"\\n'
    ... )
    >>> done = run(log, fail_on=["5xx-rate>10%"], outputs=Outputs(json=os.path.join(d, "s.json")))
    >>> done.analysis.requests, [c.breached for c in done.checks], [w for w, _ in done.written]
    (2, [True], ['Summary'])
    """
    read = read or ReadOptions()
    view = view or ViewOptions()
    outputs = outputs or Outputs()
    now = now or datetime.now(UTC)
    limit = _alerts.parse_ratio(max_rejected) if max_rejected is not None else None
    conditions = _conditions(fail_on)
    inputs = _inputs(sources, state, cluster, read)
    planned = outputs.planned(rows=True) + (
        [Planned("state", os.fspath(state), tree=True)] if state else []
    )
    check_outputs(planned, [i.path for i in inputs])
    incremental = None
    if state is not None:
        got = _with_state(state, inputs, read, limit, progress, state_reset)
        partial, incremental = got.merged, got.info
        analysis = finalize(partial, view, read=read)
        return _finish(partial, analysis, conditions, outputs, now, incremental=incremental)
    read, view = for_reading(read, view)
    spool = outputs.export is not None and any(i.path == STDIN for i in inputs)
    with _stdin_spooled(spool) as spooled:
        partial = _collect(inputs, read, cluster, progress)
        _check_rejected(partial, limit)
        analysis = finalize(partial, view, read=read)
        rows = _rows_writer(sources, spooled, read, analysis.format)
        return _finish(partial, analysis, conditions, outputs, now, rows=rows)


def collect(
    sources: Source,
    *,
    read: ReadOptions | None = None,
    state: str | os.PathLike[str] | None = None,
    state_reset: bool = False,
    cluster: Cluster | None = None,
    max_rejected: float | str | None = None,
    output: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> Run:
    """Read logs into a partial (what ``httplog aggregate`` does): as :func:`run`
    reads them, and written to ``output`` (Parquet, atomically; ``-``: stdout)
    for :func:`run_partials` to merge. With a ``state``, the partial of
    everything the state has seen (``read`` may then not narrow time)."""
    read = read or ReadOptions()
    limit = _alerts.parse_ratio(max_rejected) if max_rejected is not None else None
    inputs = _inputs(sources, state, cluster, read)
    planned = [Planned("partial", os.fspath(output))] if output is not None else []
    planned += [Planned("state", os.fspath(state), tree=True)] if state else []
    check_outputs(planned, [i.path for i in inputs])
    incremental = None
    if state is not None:
        got = _with_state(state, inputs, read, limit, progress, state_reset)
        partial, incremental = got.merged, got.info
    else:
        partial = _collect(inputs, read, cluster, progress)
        _check_rejected(partial, limit)
    written = []
    if output is not None:
        partial.save(output)
        written.append(("Partial", os.fspath(output)))
    return Run(partial, incremental=incremental, written=written)


def run_partials(
    paths: Iterable[str],
    *,
    view: ViewOptions | None = None,
    max_rejected: float | str | None = None,
    fail_on: Iterable[str | Condition] = (),
    outputs: Outputs | None = None,
    now: datetime | None = None,
) -> Run:
    """Merge partials (files of :func:`collect`, globs, state directories)
    into one analysis, and write the outputs (what ``httplog report`` does);
    the view's ``since``/``until`` narrow the merged minutes."""
    view = view or ViewOptions()
    outputs = outputs or Outputs()
    now = now or datetime.now(UTC)
    limit = _alerts.parse_ratio(max_rejected) if max_rejected is not None else None
    conditions = _conditions(fail_on)
    paths = list(paths)
    check_outputs(outputs.planned(rows=False), [f for p in paths for f in expand_glob(p)])
    from httplog.state import load_partials  # (state directories among the partials)

    merged = merge(*load_partials(paths))
    analysis = finalize(merged, view)
    _check_rejected(merged, limit)
    return _finish(merged, analysis, conditions, outputs, now)


# ------------------------------------------------------------------ steps


def _conditions(items: Iterable[str | Condition]) -> list[Condition]:
    out: list[Condition] = []
    for c in items:
        out.extend([c] if isinstance(c, Condition) else _alerts.parse_conditions([c]))
    return out


def _inputs(
    sources: Source, state: object, cluster: Cluster | None, read: ReadOptions
) -> list[Input]:
    """The inputs, once the options that can't go together are refused."""
    if cluster is not None and state is not None:
        msg = "a state can't be read on a Dask cluster: incremental runs read on this machine only"
        raise ConflictError(msg, options=("state", "cluster"), problem="not together")
    if state is not None and read.filter.timed:
        msg = (
            "with a state, every line read is counted: narrow the time in the view "
            "(since/until of the report) instead"
        )
        raise ConflictError(msg, options=("state", "since"), problem="not together")
    inputs = resolve_inputs(sources)
    if cluster is not None:
        from httplog.distributed import check_shareable

        check_shareable(inputs)
    return inputs


def _total_bytes(chunks: list[Chunk]) -> int | None:
    total = 0
    for c in chunks:
        inp = c.input
        if inp.path == STDIN or inp.compression is not None or inp.size is None:
            return None
        total += max(0, inp.size - c.start)
    return total


@contextlib.contextmanager
def _reporting(
    progress: Progress | None, chunks: list[Chunk]
) -> Iterator[Callable[[int, int], None] | None]:
    if progress is None:
        yield None
        return
    progress.start(_total_bytes(chunks))
    try:
        yield progress.advance
    finally:
        progress.stop()


def _collect(
    inputs: list[Input], read: ReadOptions, cluster: Cluster | None, progress: Progress | None
) -> Partial:
    """The partial of whole inputs, read here or on the cluster."""
    chunks = [Chunk(i) for i in inputs]
    with _reporting(progress, chunks) as advance:
        if cluster is None:
            return aggregate_chunks(chunks, read, progress=advance)
        from httplog import distributed  # imports dask only now: it is an optional extra

        with distributed.dask_logs(verbose=not cluster.quiet):
            return distributed.collect_distributed(
                [i.path for i in inputs], read, cluster, progress=advance
            )


def _with_state(
    state: str | os.PathLike[str],
    inputs: list[Input],
    read: ReadOptions,
    limit: float | None,
    progress: Progress | None,
    reset: bool,
) -> Any:
    """An incremental run (:func:`httplog.state.update`), the rejected lines checked
    before it is saved."""

    def read_new(chunks: list[Chunk], log_format: str | None) -> Partial:
        with _reporting(progress, chunks) as advance:
            return aggregate_chunks(chunks, replace(read, log_format=log_format), progress=advance)

    def check(merged: Partial) -> None:
        _check_rejected(merged, limit)

    from httplog.state import update  # (only an incremental run needs it)

    return update(
        os.fspath(state), inputs, read_new, settings=read.counting(), check=check, reset=reset
    )


def _check_rejected(partial: Partial, limit: float | None) -> None:
    if limit is not None:
        _alerts.check_rejected(
            partial.lines, partial.rejected_lines, limit, format_label=partial.format_label
        )


def _finish(
    partial: Partial,
    analysis: Analysis,
    conditions: list[Condition],
    outputs: Outputs,
    now: datetime,
    *,
    incremental: dict[str, Any] | None = None,
    rows: Callable[[str], None] | None = None,
) -> Run:
    """Evaluate the alerts, build the summary, write the outputs."""
    checks = _alerts.evaluate(conditions, analysis)
    breached = [c for c in checks if c.breached]
    extra = {"incremental": incremental} if incremental is not None else None
    summary = to_summary(analysis, breached, checks=checks or None, extra=extra, generated_at=now)
    report = _report_writer(analysis, outputs) if outputs.report is not None else None
    tables = export_tables(analysis) if outputs.tables else {}
    written = outputs.write(summary_json=dumps(summary), tables=tables, report=report, rows=rows)
    return Run(partial, analysis, checks, summary, incremental, written)


def export_tables(analysis: Analysis) -> dict[str, pl.DataFrame]:
    """The tables an export writes, by file name: those of
    :data:`~httplog.outputs.EXPORT_TABLES`, those of
    :data:`~httplog.outputs.HOST_TABLES` the analysis has (none without a host
    in the log), ``panel_<name>`` per panel and ``breakdown_<name>`` per breakdown."""
    tables = {n: getattr(analysis, n) for n in EXPORT_TABLES}
    tables |= {n: t for n in HOST_TABLES if (t := getattr(analysis, n)) is not None}
    tables |= {f"panel_{name}": frame for name, frame in analysis.panels.items()}
    tables |= {f"breakdown_{name}": frame for name, frame in analysis.breakdowns.items()}
    return tables


def _report_writer(analysis: Analysis, outputs: Outputs) -> Callable[[str], None]:
    def write(path: str) -> None:
        from httplog.report import write_report

        write_report(analysis, path, plotly_js=outputs.plotly_js, title=outputs.title)

    return write


# ------------------------------------------------------- the rows, again


def _rows_writer(
    sources: Source, spooled: str | None, read: ReadOptions, format_label: str
) -> Callable[[str], None]:
    """Stream the parsed rows (same format and row filter as the counts) to Parquet."""
    items = [sources] if isinstance(sources, str | os.PathLike) else list(sources)
    fmt = None if format_label == "unknown" or " + " in format_label else format_label

    def write(target: str) -> None:
        paths = [spooled if (os.fspath(p) == STDIN and spooled) else os.fspath(p) for p in items]
        lf = scan_logs(paths, log_format=fmt)
        if spooled:
            lf = lf.with_columns(
                source=pl.when(pl.col("source") == spooled)
                .then(pl.lit(STDIN))
                .otherwise(pl.col("source"))
            )
        keep = read.filter.expr
        if keep is not None:
            lf = lf.filter(keep)
        lf.sink_parquet(target)

    return write


@contextlib.contextmanager
def _stdin_spooled(needed: bool) -> Iterator[str | None]:
    """Standard input copied to a temporary file, when it must be read twice (an
    export re-reads the rows): standard input is then that file."""
    if not needed:
        yield None
        return
    saved = sys.stdin
    with temporary("httplog-stdin") as (fd, tmp):
        try:
            with os.fdopen(fd, "wb") as f:
                shutil.copyfileobj(sys.stdin.buffer, f, 1 << 20)
            sys.stdin = io.TextIOWrapper(open(tmp, "rb"))  # noqa: SIM115 - closed below
            yield tmp
        finally:
            if sys.stdin is not saved:
                with contextlib.suppress(OSError):
                    sys.stdin.close()
            sys.stdin = saved
