"""The whole analysis in one call: parse → aggregate → spikes → annotate.

:func:`analyze` is what the CLI, the report and notebooks share. It streams
the inputs block by block, folds each block into a mergeable
:class:`~httplog.aggregate.Partial`, and turns the merged partial into an
:class:`Analysis`: a frozen set of small polars frames, ready to chart,
tabulate or serialise. Memory depends on the number of windows and distinct
keys, not on the number of lines.

Examples
--------
>>> import os, tempfile
>>> p = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 10 "-" "curl/8"\\n'
...     '192.0.2.2 - - [10/Oct/2000:13:56:01 +0000] "GET /x HTTP/1.1" 503 0 "-" "curl/8"\\n'
... )
>>> a = analyze(p)
>>> a.format, a.parsed, a.rejected
('combined', 2, 0)
>>> a.classes.filter(pl.col("requests") > 0).select("class", "requests").rows()
[('2xx', 1), ('5xx', 1)]
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

import polars as pl

from httplog import inputs as _inputs
from httplog.aggregate import (
    AGGREGATED,
    SCHEMAS,
    Partial,
    aggregate_block,
    by_class,
    by_status,
    check_tz,
    choose_window,
    fold,
    timeline,
    top_n,
    window_minutes,
)
from httplog.annotate import annotate_classes, annotate_status
from httplog.errors import UsageError
from httplog.formats import LogFormat, resolve
from httplog.formats.detect import Detection
from httplog.inputs import Chunk
from httplog.parse import ParsedBlock, map_parsed, row_filter
from httplog.spikes import SpikeParams, explain_spikes, find_spikes
from httplog.statuscodes import LANGS


@dataclass(frozen=True)
class AnalyzeOptions:
    """Everything an analysis can be asked for; CLI flags map onto these one to one.

    Row filters (``since``, ``until``, ``status``, ``path_prefix``) drop
    requests before they are counted. View options (``window``, ``tz``,
    ``lang``, ``top``, ``bots``) shape the result of a (merged) partial.
    """

    log_format: str | LogFormat | None = None
    window: str = "auto"
    tz: str = "UTC"
    lang: str = "en"
    top: int = 10
    bots: str = "include"
    since: datetime | None = None
    until: datetime | None = None
    status: tuple[str, ...] = ()
    path_prefix: str | None = None
    spikes: SpikeParams = field(default_factory=SpikeParams)
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            msg = f"unknown language {self.lang!r}: use one of {', '.join(LANGS)}"
            raise UsageError(msg)
        if self.bots not in ("include", "exclude", "only"):
            msg = f"bots must be include, exclude or only, not {self.bots!r}"
            raise UsageError(msg)
        if self.top < 1:
            msg = f"top must be at least 1, not {self.top}"
            raise UsageError(msg)
        # Checked now rather than after reading the logs.
        if self.window != "auto":
            window_minutes(self.window)
        check_tz(self.tz)


@dataclass(frozen=True)
class Analysis:
    """The result of an analysis: small frames, all sorted, nothing lazy.

    Frames (columns):

    - ``inputs``: source, lines, parsed, rejected, directives, bytes_read
    - ``rejected_samples``: source, line, reason, text (first lines per reason)
    - ``classes``: class, name, requests, share — all six classes, in order
    - ``status``: status, class, reason, description, requests, share — by code
    - ``timeline``: start, end (in ``tz``), requests, 1xx … 5xx, invalid,
      rate_4xx, rate_5xx, bytes, and ``<latency>_p50/_p90/_p99`` for each of
      request_time and upstream_response_time the log has — one row per
      window, empty windows included
    - ``top``: dimension, scope (all, 4xx, 5xx), rank, key, requests, share
    - ``spikes``: spike, kind, start, end, windows, requests, errors,
      peak_rate, baseline_rate, excess
    - ``explanations``: spike, dimension, rank, key, count, share,
      baseline_count, baseline_share, lift, excess
    """

    options: AnalyzeOptions
    format: str
    detection: str | None
    inputs: pl.DataFrame
    lines: int
    parsed: int
    rejected: int
    rejected_by_reason: dict[str, int]
    rejected_samples: pl.DataFrame
    time_range: tuple[datetime, datetime] | None
    window: str
    classes: pl.DataFrame
    status: pl.DataFrame
    timeline: pl.DataFrame
    top: pl.DataFrame
    spikes: pl.DataFrame
    explanations: pl.DataFrame
    partial: Partial

    @property
    def directives(self) -> int:
        """Directive lines (W3C's ``#`` lines, a CSV header), counted apart:
        ``parsed + rejected + directives == lines``."""
        return int(self.partial.chunks["directives"].sum() or 0)

    @property
    def requests(self) -> int:
        """Requests counted after filters (the sum over classes)."""
        return int(self.classes["requests"].sum())

    @property
    def latencies(self) -> list[str]:
        """Latency columns with percentiles in the timeline."""
        return [c[: -len("_p50")] for c in self.timeline.columns if c.endswith("_p50")]


def analyze(
    source: str | os.PathLike[str] | list[str | os.PathLike[str]],
    options: AnalyzeOptions | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    **kwargs: object,
) -> Analysis:
    """Analyse logs: ``source`` as for :func:`httplog.read_logs`.

    Options come as an :class:`AnalyzeOptions` or as its fields by keyword
    (``analyze("access.log", window="5m", lang="zh")``). ``progress(nbytes,
    lines)`` is called after each block read.
    """
    options = replace(options or AnalyzeOptions(), **kwargs)  # type: ignore[arg-type]
    inputs = _inputs.resolve(source)
    partial = collect_partial([Chunk(i) for i in inputs], options, progress=progress)
    return finalize(partial, options)


def collect_partial(
    chunks: Iterable[Chunk],
    options: AnalyzeOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Partial:
    """Parse chunks and fold them into one partial aggregate (the map step).

    Chunks may be whole inputs or byte ranges (:func:`httplog.inputs.split`);
    the partials of separate calls merge (:func:`~httplog.aggregate.merge`)
    into the partial of one call over all the chunks.

    >>> import os, tempfile
    >>> from httplog.inputs import Chunk, resolve
    >>> p = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 404 0 "-" "curl/8"\\n'
    ... )
    >>> part = collect_partial([Chunk(i) for i in resolve(p)], AnalyzeOptions())
    >>> part.counts.select("status", "requests").rows()
    [(404, 1)]
    >>> finalize(part, AnalyzeOptions(lang="zh")).classes.row(3)
    ('4xx', '请求错误', 1, 1.0)
    """
    chunks = list(chunks)
    fmt = resolve(options.log_format) if options.log_format is not None else None
    detections: list[Detection] = []
    keep = row_filter(
        since=options.since,
        until=options.until,
        status=options.status,
        path_prefix=options.path_prefix,
    )

    def aggregate(pb: ParsedBlock) -> Partial:
        # Runs where the block was parsed (a pool thread with threads > 1):
        # only the small partial comes back, not the parsed rows.
        return aggregate_block(pb, keep=keep, detection=detections[0] if detections else None)

    blocks = map_parsed(
        chunks,
        aggregate,
        fmt,
        threads=options.threads,
        on_detect=detections.append,
        progress=progress,
        columns=AGGREGATED,
    )
    with contextlib.closing(blocks):  # stops the reader and pool threads on any error
        merged = fold(blocks)
    detection = str(detections[0]) if detections else None
    return _with_empty_chunks(merged, chunks, detection)


def _with_empty_chunks(part: Partial, chunks: list[Chunk], detection: str | None) -> Partial:
    """The partial with a row of zeros in ``chunks`` for each input read from
    its start that had no line (an empty file), so that every input is
    accounted for. (A byte range further in that holds no line start needs
    no row: the range before it reads its lines.)"""
    seen = set(part.chunks.filter(pl.col("chunk_start") == 0)["source"])
    missing = [s for s in dict.fromkeys(c.source for c in chunks if c.start == 0) if s not in seen]
    if not missing:
        return part
    n = len(missing)
    counts = ("chunk_start", "lines", "parsed", "rejected", "directives", "bytes_read")
    row = {name: [0] * n if name in counts else [None] * n for name in SCHEMAS["chunks"]}
    row |= {"source": missing, "detection": [detection] * n}  # as every chunk has it
    empty = pl.DataFrame(row, schema=SCHEMAS["chunks"])
    rows = pl.concat([part.chunks, empty])
    return replace(part, chunks=rows.sort("source", "chunk_start"))


def finalize(partial: Partial, options: AnalyzeOptions | None = None) -> Analysis:
    """Turn a (merged) partial aggregate into an :class:`Analysis` (the reduce step).

    The view options (bots, since/until, window, tz, lang, top, spikes) apply
    here, so one partial can be finalized many ways (see
    :func:`collect_partial` for an example).
    """
    options = options or AnalyzeOptions()
    view = partial.view(bots=options.bots, since=options.since, until=options.until)
    window = choose_window(view, options.window)
    tl = timeline(view, every=window, tz=options.tz)
    spikes = find_spikes(tl, options.spikes)
    explanations = explain_spikes(view, spikes, tl, params=options.spikes)
    chunks = partial.chunks
    inputs = (
        chunks.group_by("source")
        .agg(pl.col("lines", "parsed", "rejected", "directives", "bytes_read").sum())
        .sort("source")
    )
    rejected = partial.rejected.group_by("reason").agg(pl.col("count").sum())
    by_reason = dict(sorted(rejected.iter_rows(), key=lambda kv: (-kv[1], kv[0])))
    return Analysis(
        options=options,
        format=partial.format_label,
        detection=partial.detection,
        inputs=inputs,
        lines=int(chunks["lines"].sum() or 0),
        parsed=int(chunks["parsed"].sum() or 0),
        rejected=int(chunks["rejected"].sum() or 0),
        rejected_by_reason=by_reason,
        rejected_samples=partial.numbered_samples(),
        time_range=view.time_range,
        window=window,
        classes=annotate_classes(by_class(view), options.lang),
        status=annotate_status(by_status(view), options.lang),
        timeline=tl,
        top=top_n(view, n=options.top),
        spikes=spikes,
        explanations=explanations,
        partial=partial,
    )
