"""Partial aggregates: what a block of requests adds up to, and how partials merge.

A :class:`Partial` is a handful of small tables keyed by minute, status code,
bot flag and key. Partials from any split of the input — blocks, byte ranges
of a file, files on other machines, yesterday's incremental state — merge
with :func:`merge` into exactly the partial of the whole: counts add, per-key
counts add, latency histograms add. Everything a report shows is computed
from a merged partial (:func:`timeline`, :func:`by_status`, :func:`top_n`).

Latency percentiles come from log-scaled buckets (the DDSketch mapping): a
value ``x > 0`` falls in bucket ``ceil(log(x) / log(GAMMA))`` and is read back
as the bucket's midpoint, within :data:`ALPHA` (1%) relative error.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, UTC
>>> rows = pl.DataFrame(
...     {
...         "time": [
...             datetime(2026, 1, 1, 10, 0, 5, tzinfo=UTC),
...             datetime(2026, 1, 1, 10, 1, 0, tzinfo=UTC),
...         ],
...         "status": pl.Series([200, 503], dtype=pl.UInt16),
...     }
... )
>>> a, b = aggregate_rows(rows[:1]), aggregate_rows(rows[1:])
>>> merge(a, b).counts.select("status", "requests").rows()
[(200, 1), (503, 1)]
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import polars as pl

from httplog.bots import is_bot_expr
from httplog.errors import StateError, UsageError
from httplog.schema import DIMENSIONS, LATENCIES, TIME
from httplog.statuscodes import CLASSES, status_class_expr

#: Relative error of latency percentiles.
ALPHA = 0.01
GAMMA = (1 + ALPHA) / (1 - ALPHA)
#: Bucket of latencies of exactly zero.
ZERO_BUCKET = -(2**31) + 1
#: Version of the partial's on-disk form (Parquet).
PARTIAL_VERSION = 1

MINUTE = pl.Datetime("us", "UTC")

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "counts": {
        "minute": MINUTE,
        "status": pl.UInt16(),
        "bot": pl.Boolean(),
        "requests": pl.UInt64(),
        "bytes": pl.UInt64(),
    },
    "latency": {
        "minute": MINUTE,
        "metric": pl.String(),
        "bucket": pl.Int32(),
        "bot": pl.Boolean(),
        "n": pl.UInt64(),
    },
    "keys": {
        "dimension": pl.String(),
        "key": pl.String(),
        "bot": pl.Boolean(),
        "requests": pl.UInt64(),
        "bytes": pl.UInt64(),
    },
    "error_keys": {
        "minute": MINUTE,
        "kind": pl.String(),
        "dimension": pl.String(),
        "key": pl.String(),
        "bot": pl.Boolean(),
        "requests": pl.UInt64(),
    },
    "rejected": {"source": pl.String(), "reason": pl.String(), "count": pl.UInt64()},
    "samples": {
        "source": pl.String(),
        "chunk_start": pl.UInt64(),
        "line": pl.UInt64(),
        "reason": pl.String(),
        "text": pl.String(),
    },
    "chunks": {
        "source": pl.String(),
        "chunk_start": pl.UInt64(),
        "lines": pl.UInt64(),
        "parsed": pl.UInt64(),
        "rejected": pl.UInt64(),
        "directives": pl.UInt64(),
        "bytes_read": pl.UInt64(),
        "time_min": TIME,
        "time_max": TIME,
        "format": pl.String(),
        "detection": pl.String(),
    },
}

#: Group keys of each table; the other columns are summed by :func:`merge`.
KEYS: dict[str, tuple[str, ...]] = {
    "counts": ("minute", "status", "bot"),
    "latency": ("minute", "metric", "bucket", "bot"),
    "keys": ("dimension", "key", "bot"),
    "error_keys": ("minute", "kind", "dimension", "key", "bot"),
    "rejected": ("source", "reason"),
}

SAMPLES_PER_REASON = 5


def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[name])


@dataclass(frozen=True)
class Partial:
    """A mergeable aggregate of requests and of the lines they came from.

    Tables (see :data:`SCHEMAS`): ``counts`` (minute × status × bot),
    ``latency`` (minute × metric × bucket × bot), ``keys`` (dimension × key ×
    bot), ``error_keys`` (minute × 4xx/5xx × dimension × key × bot),
    ``rejected`` (source × reason), ``samples`` (first rejected lines per
    reason) and ``chunks`` (one row per chunk read: lines, parsed, rejected,
    bytes, first and last time, format).
    """

    counts: pl.DataFrame
    latency: pl.DataFrame
    keys: pl.DataFrame
    error_keys: pl.DataFrame
    rejected: pl.DataFrame
    samples: pl.DataFrame
    chunks: pl.DataFrame

    # ------------------------------------------------------------ views

    def view(
        self,
        *,
        bots: str = "include",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Partial:
        """The requests of bots only, of humans only, or all; within [since, until).

        Time narrows minute tables at minute granularity; the overall ``keys``
        table has no time and is not narrowed (the 4xx/5xx top tables are).

        >>> rows = pl.DataFrame(
        ...     {
        ...         "time": [datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (0, 1, 2, 3)],
        ...         "status": pl.Series([200, 200, 404, 503], dtype=pl.UInt16),
        ...         "path": ["/", "/", "/x", "/api"],
        ...         "user_agent": ["Mozilla/5.0", "Googlebot/2.1", "Mozilla/5.0", "Mozilla/5.0"],
        ...     }
        ... )
        >>> p = aggregate_rows(rows)
        >>> [p.view(bots=b).counts["requests"].sum() for b in ("include", "exclude", "only")]
        [4, 3, 1]
        >>> p.view(since=datetime(2026, 1, 1, 10, 2, tzinfo=UTC)).counts["requests"].sum()
        2
        """
        if bots not in ("include", "exclude", "only"):
            msg = f"bots must be include, exclude or only, not {bots!r}"
            raise UsageError(msg)
        bot = {"include": None, "exclude": False, "only": True}[bots]
        since, until = _utc(since), _utc(until)

        def f(df: pl.DataFrame, timed: bool) -> pl.DataFrame:
            if bot is not None:
                df = df.filter(pl.col("bot") == bot)
            if timed and since is not None:
                df = df.filter(pl.col("minute") >= _floor_minute(since))
            if timed and until is not None:
                df = df.filter(pl.col("minute") < until)
            return df

        chunks = self.chunks
        if since is not None or until is not None:
            lo = pl.lit(since, TIME) if since is not None else pl.col("time_min")
            hi = pl.lit(until, TIME) if until is not None else pl.col("time_max")
            chunks = chunks.with_columns(
                time_min=pl.max_horizontal("time_min", lo),
                time_max=pl.min_horizontal("time_max", hi),
            )
        return replace(
            self,
            counts=f(self.counts, True),
            latency=f(self.latency, True),
            keys=f(self.keys, False),
            error_keys=f(self.error_keys, True),
            chunks=chunks,
        )

    @property
    def time_range(self) -> tuple[datetime, datetime] | None:
        """First and last request time (UTC), or None without requests."""
        if self.counts.is_empty():
            return None
        lo, hi = self.chunks["time_min"].min(), self.chunks["time_max"].max()
        m_lo, m_hi = self.counts["minute"].min(), self.counts["minute"].max()
        lo = max(lo, m_lo) if lo is not None else m_lo  # type: ignore[type-var,operator]
        hi = min(hi, m_hi + timedelta(minutes=1)) if hi is not None else m_hi  # type: ignore[type-var,operator]
        return lo, hi  # type: ignore[return-value]

    @property
    def format_label(self) -> str:
        """The format(s) the chunks were parsed with."""
        names = sorted(set(self.chunks["format"].drop_nulls().to_list()))
        return " + ".join(names) if names else "unknown"

    @property
    def detection(self) -> str | None:
        found = self.chunks["detection"].drop_nulls()
        return found[0] if len(found) else None

    def numbered_samples(self) -> pl.DataFrame:
        """Samples with line numbers counted from the start of their source.

        A sample's line is counted from its chunk's start; the lines of the
        source's earlier chunks are added to it.
        """
        before = self.chunks.select(
            "source",
            "chunk_start",
            offset=pl.col("lines").cum_sum().over("source", order_by="chunk_start")
            - pl.col("lines"),
        )
        return (
            self.samples.join(before, on=["source", "chunk_start"], how="left")
            .with_columns(line=pl.col("line") + pl.col("offset").fill_null(0))
            .select("source", "line", "reason", "text")
            .sort("source", "line")
        )

    # ---------------------------------------------------------- on disk

    def to_parquet(self, path: str) -> None:
        """Write the partial as one Parquet file (a ``table`` column tells the tables apart).

        Rows are sorted by each table's keys, so equal partials make equal files.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "state.parquet")
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> p = aggregate_rows(
        ...     pl.DataFrame({"time": [t], "status": pl.Series([500], dtype=pl.UInt16)})
        ... )
        >>> p.to_parquet(path)
        >>> Partial.from_parquet(path).counts.select("status", "requests").rows()
        [(500, 1)]
        """
        frames = [
            getattr(self, name)
            .sort(list(KEYS.get(name, SCHEMAS[name])), nulls_last=True)
            .with_columns(table=pl.lit(name))
            for name in SCHEMAS
        ]
        meta = pl.DataFrame(
            {"table": ["meta"], "version": [PARTIAL_VERSION], "kind": ["httplog-partial"]}
        )
        pl.concat([meta, *frames], how="diagonal_relaxed").write_parquet(path)

    @classmethod
    def from_parquet(cls, path: str) -> Partial:
        """Read a partial written by :meth:`to_parquet`; anything else is a StateError."""
        try:
            df = pl.read_parquet(path, glob=False)  # a path, never a pattern
        except Exception as e:  # polars raises several kinds for a bad file
            msg = f"{path}: not a readable httplog partial ({type(e).__name__})"
            raise StateError(msg) from None
        if "table" not in df.columns or "kind" not in df.columns:
            msg = f"{path}: not an httplog partial"
            raise StateError(msg)
        meta = df.filter(pl.col("table") == "meta")
        if meta.height != 1 or meta["kind"][0] != "httplog-partial":
            msg = f"{path}: not an httplog partial"
            raise StateError(msg)
        if meta["version"][0] != PARTIAL_VERSION:
            msg = f"{path}: partial version {meta['version'][0]}, this httplog reads {PARTIAL_VERSION}"
            raise StateError(msg)
        tables = {}
        for name, schema in SCHEMAS.items():
            part = df.filter(pl.col("table") == name)
            if name == "chunks" and "directives" not in part.columns:
                # (written before directive lines were counted apart: none then)
                part = part.with_columns(directives=pl.lit(0, pl.UInt64))
            missing = [c for c in schema if c not in part.columns]
            if missing:
                if part.height:
                    msg = f"{path}: table {name} lacks {missing}"
                    raise StateError(msg)
                tables[name] = _empty(name)
                continue
            tables[name] = part.select(_cast(name))
        # A file made elsewhere may be unsorted or repeat keys: merge expects neither.
        for name in KEYS:
            tables[name] = _canonical(tables[name], name)
        return cls(**tables)


def empty_partial() -> Partial:
    """The partial of nothing (the identity of :func:`merge`).

    >>> empty_partial().counts.columns
    ['minute', 'status', 'bot', 'requests', 'bytes']
    """
    return Partial(**{name: _empty(name) for name in SCHEMAS})


def _floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def _utc(t: datetime | None) -> datetime | None:
    """A datetime in UTC (a naive one is taken as UTC)."""
    if t is None:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


# ----------------------------------------------------------------- map step


def latency_bucket(col: str | pl.Expr) -> pl.Expr:
    """Log-scaled bucket of a latency in seconds (null for null or negative).

    A value ``x > 0`` falls in bucket ``ceil(log(x) / log(GAMMA))``; zero has
    its own bucket :data:`ZERO_BUCKET` (read back as exactly 0).

    >>> pl.select(a=latency_bucket(pl.lit(0.0)), b=latency_bucket(pl.lit(1.0))).row(0)
    (-2147483647, 0)
    """
    x = pl.col(col) if isinstance(col, str) else col
    b = (x.log() / math.log(GAMMA)).ceil()
    return (
        pl.when(x.is_null() | (x < 0) | x.is_nan() | x.is_infinite())
        .then(None)
        .when(x == 0)
        .then(pl.lit(ZERO_BUCKET))
        .otherwise(b)
        .cast(pl.Int32)
    )


def bucket_value(col: str | pl.Expr) -> pl.Expr:
    """The value a bucket stands for (within ALPHA of every value in it).

    >>> x = pl.Series("x", [0.0, 0.123, 42.0]).to_frame()
    >>> got = x.select(v=bucket_value(latency_bucket("x")))["v"].to_list()
    >>> got[0], all(abs(g / v - 1) <= ALPHA for g, v in zip(got[1:], [0.123, 42.0]))
    (0.0, True)
    """
    b = pl.col(col) if isinstance(col, str) else col
    return (
        pl.when(b == ZERO_BUCKET)
        .then(0.0)
        .otherwise(2 * pl.lit(GAMMA).pow(b.cast(pl.Float64)) / (GAMMA + 1))
    )


#: The parsed columns :func:`aggregate_rows` reads (the others needn't be parsed).
AGGREGATED: tuple[str, ...] = ("time", "status", "bytes", *DIMENSIONS, *LATENCIES)


def aggregate_rows(
    rows: pl.DataFrame,
    *,
    source: str = "",
    chunk_start: int = 0,
    lines: int | None = None,
    bytes_read: int = 0,
    format_label: str | None = None,
    detection: str | None = None,
    rejected: pl.DataFrame | None = None,
    directives: int = 0,
) -> Partial:
    """Aggregate parsed rows (columns of :mod:`httplog.schema`) into a Partial.

    ``rows`` needs ``time`` (UTC) and ``status``; the other columns are used
    when present (``bytes``, the :data:`~httplog.schema.DIMENSIONS` and
    :data:`~httplog.schema.LATENCIES`; ``user_agent`` flags bots). The keyword
    arguments describe where the rows came from (the ``chunks`` table);
    ``rejected`` holds the rejected lines (columns of the ``samples`` table).

    >>> from datetime import datetime, UTC
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, 10, 0, s, tzinfo=UTC) for s in (1, 2, 3)],
    ...         "status": pl.Series([200, 404, 404], dtype=pl.UInt16),
    ...         "path": ["/", "/x", "/x"],
    ...         "user_agent": ["Mozilla/5.0", "Googlebot/2.1", "Mozilla/5.0"],
    ...     }
    ... )
    >>> p = aggregate_rows(rows)
    >>> p.counts.sort("status", "bot").select("status", "bot", "requests").rows()
    [(200, False, 1), (404, False, 1), (404, True, 1)]
    >>> p.error_keys.filter(pl.col("dimension") == "path")["requests"].sum()
    2
    """
    if rows.schema["time"] != TIME:  # a frame made by hand: naive times are UTC
        rows = rows.with_columns(pl.col("time").cast(TIME))
    cols = rows.columns
    dims = [d for d in DIMENSIONS if d in cols]
    lats = [m for m in LATENCIES if m in cols]
    bot = is_bot_expr("user_agent").fill_null(False) if "user_agent" in cols else pl.lit(False)
    nbytes = pl.col("bytes").fill_null(0) if "bytes" in cols else pl.lit(0)
    # One pass over the rows for everything the group-bys share (the bot flag
    # above all); then every table is a group-by of this frame, run together.
    base = rows.select(
        *dims,
        *lats,
        "status",
        minute=pl.col("time").dt.truncate("1m"),
        bot=bot,
        _bytes=nbytes.cast(pl.UInt64),
        _kind=pl.col("status") // 100,
    )
    lf = base.lazy()
    lat = [
        lf.filter(pl.col(m).is_not_null() & (pl.col(m) >= 0))
        .group_by("minute", bucket=latency_bucket(m), bot="bot")
        .agg(n=pl.len())
        .drop_nulls("bucket")
        .with_columns(metric=pl.lit(m))
        for m in lats
    ]
    keyq = [
        lf.filter(pl.col(d).is_not_null())
        .group_by(key=d, bot="bot")
        .agg(requests=pl.len(), bytes=pl.col("_bytes").sum())
        .with_columns(dimension=pl.lit(d))
        for d in dims
    ]
    errs = lf.filter(pl.col("_kind").is_in([4, 5]))
    errq = [
        errs.filter(pl.col(d).is_not_null())
        .group_by("minute", "_kind", key=d, bot="bot")
        .agg(requests=pl.len())
        .with_columns(dimension=pl.lit(d), kind=pl.format("{}xx", "_kind"))
        for d in dims
    ]
    counts = lf.group_by("minute", "status", "bot").agg(
        requests=pl.len(), bytes=pl.col("_bytes").sum()
    )
    names = ["counts"] + [f"lat{i}" for i in range(len(lat))]
    names += [f"key{i}" for i in range(len(keyq))] + [f"err{i}" for i in range(len(errq))]
    results = dict(zip(names, pl.collect_all([counts, *lat, *keyq, *errq]), strict=True))

    def gather(prefix: str, table: str) -> pl.DataFrame:
        frames = [v for k, v in results.items() if k.startswith(prefix)]
        if not frames:
            return _empty(table)
        df = pl.concat(frames, how="diagonal_relaxed").select(_cast(table))
        # Minute tables are sorted here, where blocks are aggregated side by
        # side, so that merging them needs no sort (see _add_up_runs); the
        # keys table is sorted when merged anyway.
        return _sorted(df, table) if table in MINUTE_TABLES else df

    rej = rejected if rejected is not None else pl.DataFrame(schema=SCHEMAS["samples"])
    tmin, tmax = (rows["time"].min(), rows["time"].max()) if rows.height else (None, None)
    chunk = pl.DataFrame(
        {
            "source": [source],
            "chunk_start": [chunk_start],
            "lines": [lines if lines is not None else rows.height + rej.height + directives],
            "parsed": [rows.height],
            "rejected": [rej.height],
            "directives": [directives],
            "bytes_read": [bytes_read],
            "time_min": [tmin],
            "time_max": [tmax],
            "format": [format_label],
            "detection": [detection],
        },
        schema=SCHEMAS["chunks"],
    )
    return Partial(
        counts=_sorted(results["counts"].select(_cast("counts")), "counts"),
        latency=gather("lat", "latency"),
        keys=gather("key", "keys"),
        error_keys=gather("err", "error_keys"),
        rejected=rej.group_by("source", "reason").agg(count=pl.len().cast(pl.UInt64)),
        samples=_first_samples(rej.select(list(SCHEMAS["samples"]))),
        chunks=chunk,
    )


def aggregate_block(
    pb: object, *, keep: pl.Expr | None = None, detection: object = None
) -> Partial:
    """Aggregate one :class:`~httplog.parse.ParsedBlock` (rows, rejections, provenance).

    ``keep`` (a row filter) drops requests before they are counted; the lines
    stay accounted for. Used by :func:`httplog.analysis.collect_partial`.

    >>> import os, tempfile
    >>> from httplog.inputs import Chunk, resolve
    >>> from httplog.parse import iter_parsed
    >>> path = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(path, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"\\n'
    ... )
    >>> (pb,) = iter_parsed([Chunk(i) for i in resolve(path)])
    >>> aggregate_block(pb).counts.select("status", "bot", "requests").rows()
    [(200, True, 1)]
    """
    rows = pb.parsed  # type: ignore[attr-defined]
    counted = rows.height
    if keep is not None:
        rows = rows.filter(keep)
    block = pb.block  # type: ignore[attr-defined]
    part = aggregate_rows(
        rows,
        source=block.chunk.source,
        chunk_start=block.chunk.start,
        lines=pb.lines,  # type: ignore[attr-defined]
        bytes_read=block.size,
        format_label=pb.format.label,  # type: ignore[attr-defined]
        detection=str(detection) if detection is not None else None,
        rejected=pb.rejected,  # type: ignore[attr-defined]
        directives=getattr(pb, "directives", 0),
    )
    if counted != rows.height:
        part = replace(part, chunks=part.chunks.with_columns(parsed=pl.lit(counted, pl.UInt64)))
    return part


# -------------------------------------------------------------- merge step


def merge(*partials: Partial) -> Partial:
    """Merge partial aggregates: the result is the partial of all their inputs.

    Merging is associative and commutative, and ``empty_partial()`` is its
    identity: any split of the input, merged in any order, gives the same
    result as the whole. The merged tables are sorted by their :data:`KEYS`.
    Each partial's tables must have unique keys, as every partial httplog
    makes has (:func:`aggregate_rows`, :func:`merge`, :meth:`Partial.from_parquet`).

    >>> from datetime import datetime, UTC
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> a = aggregate_rows(pl.DataFrame({"time": [t], "status": pl.Series([200], dtype=pl.UInt16)}))
    >>> merge(a, a, empty_partial()).counts.select("status", "requests").rows()
    [(200, 2)]
    """
    return _merge(partials)


def fold(partials: Iterable[Partial], every: int = 8) -> Partial:
    """:func:`merge` of partials that arrive one at a time (the blocks of a run).

    The result equals ``merge(*partials)``. Tables of keys are added up every
    ``every`` partials, as they shrink when merged; minute tables (where the
    partials of consecutive blocks of a log share only the minutes at their
    edges) are gathered and added up once, at the end, without copies on the way.

    >>> from datetime import datetime, UTC
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> a = aggregate_rows(pl.DataFrame({"time": [t], "status": pl.Series([200], dtype=pl.UInt16)}))
    >>> fold(iter([a] * 20), every=3).counts.select("status", "requests").rows()
    [(200, 20)]
    """
    runs: dict[str, list[pl.DataFrame]] = {name: [] for name in MINUTE_TABLES}
    no_minutes = {name: _empty(name) for name in MINUTE_TABLES}
    acc = empty_partial()
    batch: list[Partial] = []
    for p in partials:
        for name in MINUTE_TABLES:
            runs[name].append(getattr(p, name))
        batch.append(replace(p, **no_minutes))
        if len(batch) >= every:
            acc = _merge([acc, *batch])
            batch = []
    acc = _merge([acc, *batch])
    return replace(acc, **{name: _add_up_runs(runs[name], name) for name in MINUTE_TABLES})


#: Tables keyed by minute first (see :func:`_add_up_runs`).
MINUTE_TABLES = ("counts", "latency", "error_keys")


def _merge(partials: tuple[Partial, ...] | list[Partial]) -> Partial:
    if not partials:
        return empty_partial()
    out = {}
    for name in KEYS:
        frames = [getattr(p, name) for p in partials]
        if name in MINUTE_TABLES:
            out[name] = _add_up_runs(frames, name)
            continue
        frames = [f for f in frames if f.height]
        out[name] = _add_up(pl.concat(frames), name, sort=True) if frames else _empty(name)
    out["samples"] = _first_samples(pl.concat([p.samples for p in partials]))
    chunks = pl.concat([p.chunks for p in partials])
    out["chunks"] = (
        chunks.group_by("source", "chunk_start")
        .agg(
            pl.col("lines", "parsed", "rejected", "directives", "bytes_read").sum(),
            pl.col("time_min").min(),
            pl.col("time_max").max(),
            pl.col("format").drop_nulls().first(),
            pl.col("detection").drop_nulls().first(),
        )
        .select(_cast("chunks"))
        .sort("source", "chunk_start")
    )
    return Partial(**out)


def _add_up_runs(frames: list[pl.DataFrame], name: str) -> pl.DataFrame:
    """One minute table from several, equal keys added up, sorted by :data:`KEYS`.

    Each table has unique keys (as every partial's table has: see
    :func:`merge`). A minute whose rows all
    come from one table is taken as it is: once that table is sorted, its
    rows are in order and added up already. Only the minutes that several
    tables share (where one block ends and the next begins, in a log written
    in time order) are added up anew; a stable sort on the minute alone then
    puts everything in the order of the keys. Tables that are not sorted
    (partials made by hand) are sorted first.
    """
    frames = [_sorted(f.select(_cast(name)), name) for f in frames if f.height]
    if not frames:
        return _empty(name)
    if len(frames) == 1:
        return frames[0]
    minutes = pl.concat([f.select(pl.col("minute").unique()) for f in frames])
    shared = minutes.filter(pl.col("minute").is_duplicated())["minute"].unique()
    df = pl.concat(frames)
    if shared.len():
        in_shared = pl.col("minute").is_in(shared.implode(), nulls_equal=True)
        df = pl.concat([df.filter(~in_shared), _add_up(df.filter(in_shared), name, sort=True)])
    return df.sort("minute", maintain_order=True)


def _sorted(df: pl.DataFrame, name: str) -> pl.DataFrame:
    """The table sorted by its keys (as it is, if it is sorted already)."""
    keys = list(KEYS[name])
    if df.height < 2 or df.select(pl.struct(keys).is_sorted()).item():
        return df
    return df.sort(keys)


def _canonical(df: pl.DataFrame, name: str) -> pl.DataFrame:
    """The table sorted by its keys, with repeated keys added up (cheap when it
    is already so: a sort check and a comparison of neighbouring rows)."""
    df = _sorted(df, name)
    key = pl.struct(list(KEYS[name]))
    if df.height > 1 and df.select((key == key.shift()).any()).item():
        return _add_up(df, name, sort=True)
    return df


def _cast(name: str) -> list[pl.Expr]:
    """The columns of a table, in order, cast to its schema."""
    return [pl.col(c).cast(t) for c, t in SCHEMAS[name].items()]


#: Minute tables longer than this are added up a slice of minutes at a time.
SLICE_ROWS = 250_000


def _add_up(df: pl.DataFrame, name: str, *, sort: bool, sliced: bool = True) -> pl.DataFrame:
    """Rows of one table with equal keys added up (sorted by the keys with ``sort``).

    A long minute table is done in slices of minutes: the result is the same
    (minutes come first in the keys), and the copies made on the way stay small.
    """
    keys = list(KEYS[name])
    sums = [pl.col(c).sum().cast(SCHEMAS[name][c]) for c in SCHEMAS[name] if c not in keys]
    big = sliced and keys[0] == "minute" and df.height > SLICE_ROWS
    minutes = df["minute"].unique().sort() if big else None
    if minutes is not None and minutes.len() > 1:
        step = max(1, minutes.len() * SLICE_ROWS // df.height)
        cuts = minutes.gather_every(step).to_list()[1:]
        bounds = [None, *cuts, None]
        pieces = []
        for lo, hi in itertools.pairwise(bounds):
            m = pl.col("minute")
            cond = (m >= lo if lo is not None else pl.lit(True)) & (
                m < hi if hi is not None else pl.lit(True)
            )
            pieces.append(_add_up(df.filter(cond), name, sort=sort, sliced=False))
        return pl.concat(pieces)
    merged = df.group_by(keys).agg(sums)
    # Key columns are never null: no need for nulls_last (slower).
    return merged.sort(keys) if sort else merged


def _first_samples(samples: pl.DataFrame, per_reason: int = SAMPLES_PER_REASON) -> pl.DataFrame:
    return (
        samples.sort("source", "chunk_start", "line")
        .group_by("reason", maintain_order=True)
        .head(per_reason)
        .select(list(SCHEMAS["samples"]))
        .sort("source", "chunk_start", "line")
    )


# ------------------------------------------------------------- reduce step


def by_class(p: Partial) -> pl.DataFrame:
    """Requests per status class, all of 1xx–5xx and invalid, with their share.

    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (0, 1, 2, 3)],
    ...         "status": pl.Series([200, 200, 404, 503], dtype=pl.UInt16),
    ...         "path": ["/", "/", "/x", "/api"],
    ...         "user_agent": ["Mozilla/5.0", "Googlebot/2.1", "Mozilla/5.0", "Mozilla/5.0"],
    ...     }
    ... )
    >>> p = aggregate_rows(rows)
    >>> by_class(p).rows()[1:5]
    [('2xx', 2, 0.5), ('3xx', 0, 0.0), ('4xx', 1, 0.25), ('5xx', 1, 0.25)]
    """
    got = p.counts.group_by(cls=status_class_expr("status")).agg(requests=pl.col("requests").sum())
    frame = pl.DataFrame({"class": list(CLASSES)}).join(
        got.rename({"cls": "class"}), on="class", how="left"
    )
    frame = frame.with_columns(pl.col("requests").fill_null(0).cast(pl.UInt64))
    return frame.with_columns(share=_share("requests"))


def by_status(p: Partial) -> pl.DataFrame:
    """Requests per status code with their share, sorted by code.

    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (0, 1, 2, 3)],
    ...         "status": pl.Series([200, 200, 404, 503], dtype=pl.UInt16),
    ...         "path": ["/", "/", "/x", "/api"],
    ...         "user_agent": ["Mozilla/5.0", "Googlebot/2.1", "Mozilla/5.0", "Mozilla/5.0"],
    ...     }
    ... )
    >>> p = aggregate_rows(rows)
    >>> by_status(p).rows()
    [(200, 2, 0.5), (404, 1, 0.25), (503, 1, 0.25)]
    """
    return (
        p.counts.group_by("status")
        .agg(requests=pl.col("requests").sum())
        .with_columns(share=_share("requests"))
        .sort("status")
    )


def _share(col: str) -> pl.Expr:
    total = pl.col(col).sum()
    return pl.when(total > 0).then(pl.col(col) / total).otherwise(0.0)


_WINDOW = re.compile(r"^(\d+)\s*(m|min|h|d|w)$")
#: Candidate windows for ``auto``, in minutes.
#: Consecutive candidates are at most 2× apart (3.5× for the last), so ``auto``
#: gives 150–300 points on any span over five hours.
AUTO_WINDOWS = (1, 2, 3, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
#: ``auto`` aims at no more than this many points in a chart.
MAX_POINTS = 300


def window_minutes(spec: str) -> int:
    """Minutes in a window spec: ``1m``, ``5m``, ``1h``, ``1d``, ``1w``.

    >>> window_minutes("15m"), window_minutes("2h"), window_minutes("1d")
    (15, 120, 1440)
    """
    m = _WINDOW.match(spec.strip().lower())
    if not m or int(m.group(1)) == 0:
        msg = f"bad window {spec!r}: use a whole number of minutes, hours or days (5m, 1h, 1d) or auto"
        raise UsageError(msg)
    n, unit = int(m.group(1)), m.group(2)
    minutes = n * {"m": 1, "min": 1, "h": 60, "d": 1440, "w": 10080}[unit]
    if minutes > 1440 and minutes % 1440:
        msg = f"bad window {spec!r}: windows over a day must be whole days"
        raise UsageError(msg)
    if minutes < 1440 and 1440 % minutes:
        msg = (
            f"bad window {spec!r}: a window under a day must divide a day (such as 5m, 20m, 1h, 3h)"
        )
        raise UsageError(msg)
    return minutes


def window_label(minutes: int) -> str:
    """``5`` → ``5m``, ``60`` → ``1h``, ``1440`` → ``1d``.

    >>> window_label(5), window_label(60), window_label(1440)
    ('5m', '1h', '1d')
    """
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def choose_window(p: Partial, spec: str = "auto") -> str:
    """The window to use: ``spec`` checked, or for ``auto`` the smallest
    candidate giving at most :data:`MAX_POINTS` windows over the span.

    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)],
    ...         "status": pl.Series([200, 200], dtype=pl.UInt16),
    ...     }
    ... )
    >>> choose_window(aggregate_rows(rows)), choose_window(aggregate_rows(rows), "60m")
    ('5m', '1h')
    """
    if spec != "auto":
        return window_label(window_minutes(spec))
    if p.counts.is_empty():
        return "1h"
    lo, hi = p.counts["minute"].min(), p.counts["minute"].max()
    span = (hi - lo).total_seconds() / 60 + 1  # type: ignore[operator]
    for w in AUTO_WINDOWS:
        if span / w <= MAX_POINTS:
            return window_label(w)
    return window_label(AUTO_WINDOWS[-1])


def _offset_us(t: pl.Expr, tz: str) -> pl.Expr:
    """UTC offset (µs) in force in ``tz`` at the UTC instant ``t``."""
    local = t.dt.convert_time_zone(tz)
    return (local.dt.base_utc_offset() + local.dt.dst_offset()).dt.total_microseconds()


def _instant(us: pl.Expr) -> pl.Expr:
    """Microseconds since the epoch → a UTC datetime."""
    return us.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _floor_local(local_us: pl.Expr, every_us: int) -> pl.Expr:
    """Local wall time (µs) → start of its window, windows aligned on local midnight."""
    day = local_us - local_us % _DAY_US
    return day + ((local_us - day) // every_us) * every_us


_DAY_US = 86_400_000_000


def window_start(col: str | pl.Expr, every: str, tz: str) -> pl.Expr:
    """Start of the window holding a UTC time, as a time in ``tz``.

    Windows are aligned on the local clock of ``tz``: with 1h windows in
    Asia/Kolkata (+05:30) they start at :00 local; windows under a day start
    at local midnight and every ``every`` after it. A window's start is the
    last instant at or before the time when the local clock read an aligned
    time, so windows are a partition of UTC time: across a daylight-saving
    change no window is lost or doubled. The repeated hour of a fall-back day
    is two 1h windows with distinct starts (same wall time, two offsets); a
    local time that a spring-forward skips starts no window, so the window
    before it is longer. Windows of whole days start at the first instant of
    the local day (midnight, or the end of the gap where a zone skips
    midnight): a day of a DST change is one window of 23 or 25 hours.

    >>> from datetime import datetime, UTC
    >>> t = pl.Series("t", [datetime(2026, 1, 1, 10, 45, tzinfo=UTC)])
    >>> t.to_frame().select(window_start("t", "1h", "Asia/Kolkata"))["t"][0]
    datetime.datetime(2026, 1, 1, 16, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Kolkata'))
    """
    t = pl.col(col) if isinstance(col, str) else col
    minutes = window_minutes(every)
    check_tz(tz)
    return t.map_batches(
        lambda s: _window_starts(s, minutes, tz),
        return_dtype=pl.Datetime("us", tz),
        is_elementwise=True,
    )


def _window_starts(times: pl.Series, minutes: int, tz: str) -> pl.Series:
    """:func:`window_start` on a series, in stages (one expression would be huge)."""
    name = times.name
    c = pl.col
    df = times.to_frame("t").select(t=c("t").dt.convert_time_zone("UTC"))
    df = df.with_columns(us=c("t").dt.epoch("us"), o_t=_offset_us(c("t"), tz))
    df = df.with_columns(local=c("us") + c("o_t"))
    if minutes % 1440 == 0:
        unit = f"{minutes // 10080}w" if minutes % 10080 == 0 else f"{minutes // 1440}d"
        df = df.with_columns(day=_instant(c("local")).dt.replace_time_zone(None).dt.truncate(unit))
        df = df.with_columns(
            start=c("day").dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null"),
            day_us=c("day").dt.epoch("us"),
        )
        # Local midnight skipped (a spring-forward at 00:00): the day starts
        # when the gap ends, at midnight read with the offset before it.
        df = df.with_columns(
            before=_offset_us(_instant(c("day_us") - c("o_t") - 6 * 3_600_000_000), tz)
        )
        start = (
            c("start").dt.convert_time_zone("UTC").fill_null(_instant(c("day_us") - c("before")))
        )
        return df.select(start.dt.convert_time_zone(tz).alias(name)).to_series()
    every_us = minutes * 60_000_000
    df = df.with_columns(c1=_floor_local(c("local"), every_us) - c("o_t"))
    df = df.with_columns(o1=_offset_us(_instant(c("c1")), tz))
    # Usually the aligned time happened with the offset of ``t`` (this also
    # picks the right one of a repeated hour). Otherwise the offset changed
    # since, and the window started before the change: at the last aligned
    # time the old clock read, one of two.
    df = df.with_columns(g=_floor_local(c("local") + c("o1") - c("o_t"), every_us))
    df = df.with_columns(a=c("g") - c("o1"), b=_floor_local(c("g") - 1, every_us) - c("o1"))
    df = df.with_columns(oa=_offset_us(_instant(c("a")), tz))
    start = (
        pl.when(c("o1") == c("o_t"))
        .then(c("c1"))
        .when(c("oa") == c("o1"))
        .then(c("a"))
        .otherwise(c("b"))
    )
    return df.select(_instant(start).dt.convert_time_zone(tz).alias(name)).to_series()


def all_windows(p: Partial, every: str, tz: str) -> pl.DataFrame:
    """Every window from the first request to the last, empty ones included.

    Columns ``start`` and ``end`` (in ``tz``); ``end`` is the next window's
    start, so a window's length follows daylight-saving changes.

    >>> from datetime import datetime, UTC
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [
    ...             datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    ...             datetime(2026, 3, 29, 2, 10, tzinfo=UTC),
    ...         ],
    ...         "status": pl.Series([200, 200], dtype=pl.UInt16),
    ...     }
    ... )
    >>> w = all_windows(aggregate_rows(rows), "1h", "Europe/Paris")
    >>> [(s.strftime("%H:%M%z"), e.strftime("%H:%M%z")) for s, e in w.rows()]
    [('01:00+0100', '03:00+0200'), ('03:00+0200', '04:00+0200'), ('04:00+0200', '05:00+0200')]
    """
    schema = {"start": pl.Datetime("us", tz), "end": pl.Datetime("us", tz)}
    if p.counts.is_empty():
        return pl.DataFrame(schema=schema)
    lo, hi = p.counts["minute"].min(), p.counts["minute"].max()
    return _windows_between(lo, hi, every, tz)  # type: ignore[arg-type]


def _windows_between(lo: datetime, hi: datetime, every: str, tz: str) -> pl.DataFrame:
    """Windows (start, end) holding any time of [lo, hi] (UTC minutes)."""
    minutes = window_minutes(every)
    # Window starts are local aligned times minus an offset, so (offsets being
    # multiples of 15 minutes) they lie on this lattice: sampling it finds
    # every window, however DST shortens it.
    step = math.gcd(minutes, 15)
    lo_lattice = lo - timedelta(minutes=(lo.hour * 60 + lo.minute) % step)
    # Past the end by more than the longest window, to find the last one's end.
    far = hi + timedelta(minutes=minutes + 1440)
    grid = pl.concat(
        [
            pl.datetime_range(lo_lattice, far, f"{step}m", time_zone="UTC", eager=True),
            pl.Series([lo, hi], dtype=MINUTE),
        ]
    ).alias("t")
    starts = grid.to_frame().select(start=window_start("t", every, tz)).unique().sort("start")
    first = pl.select(window_start(pl.lit(lo, MINUTE), every, tz)).item()
    last = pl.select(window_start(pl.lit(hi, MINUTE), every, tz)).item()
    return (
        starts.with_columns(end=pl.col("start").shift(-1))
        .filter(pl.col("start").is_between(first, last))
        .select("start", "end")
    )


def _window_map(minutes: pl.Series, every: str, tz: str) -> pl.DataFrame:
    """Distinct minutes → the start of their window (column ``start``)."""
    return minutes.unique().to_frame("minute").with_columns(start=window_start("minute", every, tz))


def timeline(p: Partial, *, every: str, tz: str = "UTC") -> pl.DataFrame:
    """Requests per window and class, error rates, bytes and latency percentiles.

    Columns: start, end (in ``tz``), requests, 1xx … 5xx, invalid, rate_4xx,
    rate_5xx, bytes, and ``<metric>_p50/_p90/_p99`` (seconds) for each latency
    the log has. Every window from the first request's to the last's is a
    row: empty windows are rows of zeros (rates 0, null percentiles).

    >>> from datetime import datetime, UTC
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (1, 2, 31)],
    ...         "status": pl.Series([200, 503, 404], dtype=pl.UInt16),
    ...     }
    ... )
    >>> tl = timeline(aggregate_rows(rows), every="10m")
    >>> tl.select("requests", "2xx", "4xx", "5xx", "rate_5xx").rows()
    [(2, 1, 0, 1, 0.5), (0, 0, 0, 0, 0.0), (0, 0, 0, 0, 0.0), (1, 0, 1, 0, 0.0)]
    """
    check_tz(tz)
    windows = all_windows(p, every, tz)
    wmap = _window_map(p.counts["minute"], every, tz)
    per = (
        p.counts.join(wmap, on="minute", how="left")
        .with_columns(cls=status_class_expr("status"))
        .group_by("start")
        .agg(
            requests=pl.col("requests").sum(),
            bytes=pl.col("bytes").sum(),
            **{c: pl.col("requests").filter(pl.col("cls") == c).sum() for c in CLASSES},
        )
    )
    tl = windows.join(per, on="start", how="left").with_columns(
        pl.col("requests", "bytes", *CLASSES).fill_null(0).cast(pl.UInt64)
    )
    tl = tl.with_columns(rate_4xx=_rate("4xx"), rate_5xx=_rate("5xx"))
    order = ["start", "end", "requests", *CLASSES, "rate_4xx", "rate_5xx", "bytes"]
    present = set(p.latency["metric"].unique().to_list())
    for m in (m for m in LATENCIES if m in present):
        q = percentiles(p.latency.filter(pl.col("metric") == m), every=every, tz=tz)
        q = q.rename({c: f"{m}_{c}" for c in q.columns if c != "start"})
        tl = tl.join(q, on="start", how="left")
        order += [f"{m}_p50", f"{m}_p90", f"{m}_p99"]
    return tl.select(order).sort("start")


def _rate(cls: str) -> pl.Expr:
    return pl.when(pl.col("requests") > 0).then(pl.col(cls) / pl.col("requests")).otherwise(0.0)


def percentiles(
    latency: pl.DataFrame, *, every: str, tz: str = "UTC", qs: tuple[float, ...] = (0.5, 0.9, 0.99)
) -> pl.DataFrame:
    """p50/p90/p99 per window (``start``) from histogram rows (minute, bucket, n).

    The q-quantile is the value of the bucket holding the ``ceil(q * n)``-th
    smallest value (nearest rank), so it is within ALPHA of the exact
    nearest-rank quantile; zeros are exactly 0.

    >>> from datetime import datetime, UTC
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, tzinfo=UTC)] * 4,
    ...         "status": pl.Series([200] * 4, dtype=pl.UInt16),
    ...         "request_time": [0.0, 0.0, 0.25, 2.0],
    ...     }
    ... )
    >>> q = percentiles(aggregate_rows(rows).latency, every="1h")
    >>> q.select("p50", (pl.col("p90") / 2.0 - 1).abs() < ALPHA).row(0)
    (0.0, True)
    """
    schema = {"start": pl.Datetime("us", tz), **{_qname(q): pl.Float64() for q in qs}}
    if latency.is_empty():
        return pl.DataFrame(schema=schema)
    h = (
        latency.join(_window_map(latency["minute"], every, tz), on="minute", how="left")
        .group_by("start", "bucket")
        .agg(n=pl.col("n").sum())
        .sort("start", "bucket")
        .with_columns(
            cum=pl.col("n").cum_sum().over("start"), total=pl.col("n").sum().over("start")
        )
    )
    cols = []
    for q in qs:
        # ceil(q * total) in integers (parts per million), free of float rounding.
        ppm = round(q * 1_000_000)
        rank = ((pl.col("total") * ppm + 999_999) // 1_000_000).clip(lower_bound=1)
        first = pl.col("bucket").filter(pl.col("cum") >= rank).first()
        cols.append(bucket_value(first).alias(_qname(q)))
    return h.group_by("start").agg(cols).sort("start").select(list(schema))


def _qname(q: float) -> str:
    return f"p{q * 100:g}"


def top_n(p: Partial, *, n: int = 10) -> pl.DataFrame:
    """Top ``n`` keys per dimension overall and among 4xx and 5xx responses.

    Columns: dimension, scope (all, 4xx, 5xx), rank, key, requests, share
    (of the scope's requests). Ties are broken by key, so the table is stable.

    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (0, 1, 2, 3)],
    ...         "status": pl.Series([200, 200, 404, 503], dtype=pl.UInt16),
    ...         "path": ["/", "/", "/x", "/api"],
    ...         "user_agent": ["Mozilla/5.0", "Googlebot/2.1", "Mozilla/5.0", "Mozilla/5.0"],
    ...     }
    ... )
    >>> p = aggregate_rows(rows)
    >>> top_n(p, n=1).filter(pl.col("dimension") == "path").rows()
    [('path', '4xx', 1, '/x', 1, 1.0), ('path', '5xx', 1, '/api', 1, 1.0), ('path', 'all', 1, '/', 2, 0.5)]
    """
    total_all = int(p.counts["requests"].sum() or 0)
    overall = (
        p.keys.group_by("dimension", "key")
        .agg(pl.col("requests").sum())
        .with_columns(scope=pl.lit("all"), total=pl.lit(total_all, pl.UInt64))
    )
    cls_tot = p.counts.group_by(scope=status_class_expr("status")).agg(
        total=pl.col("requests").sum()
    )
    errors = (
        p.error_keys.group_by("dimension", "kind", "key")
        .agg(pl.col("requests").sum())
        .rename({"kind": "scope"})
        .join(cls_tot, on="scope", how="left")
    )
    both = pl.concat([overall, errors], how="diagonal_relaxed")
    return (
        both.sort(["requests", "key"], descending=[True, False])
        .group_by("dimension", "scope", maintain_order=True)
        .head(n)
        .with_columns(
            rank=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("dimension", "scope"),
            share=pl.when(pl.col("total") > 0)
            .then(pl.col("requests") / pl.col("total"))
            .otherwise(0.0),
        )
        .select("dimension", "scope", "rank", "key", pl.col("requests").cast(pl.UInt64), "share")
        .sort("dimension", "scope", "rank")
    )


def check_tz(tz: str) -> None:
    """Raise a UsageError unless ``tz`` is a time zone name zoneinfo knows.

    >>> check_tz("Asia/Kolkata")
    >>> check_tz("Mars/Olympus")
    Traceback (most recent call last):
    ...
    httplog.errors.UsageError: unknown time zone 'Mars/Olympus' (use an IANA name such as UTC or Europe/Paris)
    """
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = f"unknown time zone {tz!r} (use an IANA name such as UTC or Europe/Paris)"
        raise UsageError(msg) from None
