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
>>> rows = pl.DataFrame({
...     "time": [datetime(2026, 1, 1, 10, 0, 5, tzinfo=UTC), datetime(2026, 1, 1, 10, 1, 0, tzinfo=UTC)],
...     "status": pl.Series([200, 503], dtype=pl.UInt16),
... })
>>> a, b = aggregate_rows(rows[:1]), aggregate_rows(rows[1:])
>>> merge(a, b).counts.select("status", "requests").rows()
[(200, 1), (503, 1)]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import polars as pl

from httplog.bots import is_bot_expr
from httplog.errors import StateError, UsageError
from httplog.schema import DIMENSIONS, LATENCIES, TIME
from httplog.statuscodes import CLASSES, status_class_expr

#: Relative error of latency percentiles.
ALPHA = 0.01
GAMMA = (1 + ALPHA) / (1 - ALPHA)
#: Bucket of latencies of zero (and anything under a microsecond).
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
        """
        bot = {"include": None, "exclude": False, "only": True}[bots]

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
                time_min=pl.max_horizontal("time_min", lo), time_max=pl.min_horizontal("time_max", hi)
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
        """Write the partial as one Parquet file (a ``table`` column tells the tables apart)."""
        frames = [
            getattr(self, name).with_columns(table=pl.lit(name)) for name in SCHEMAS
        ]
        meta = pl.DataFrame({"table": ["meta"], "version": [PARTIAL_VERSION], "kind": ["httplog-partial"]})
        pl.concat([meta, *frames], how="diagonal_relaxed").write_parquet(path)

    @classmethod
    def from_parquet(cls, path: str) -> Partial:
        """Read a partial written by :meth:`to_parquet`; anything else is a StateError."""
        try:
            df = pl.read_parquet(path)
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
            missing = [c for c in schema if c not in part.columns]
            if missing:
                if part.height:
                    msg = f"{path}: table {name} lacks {missing}"
                    raise StateError(msg)
                tables[name] = _empty(name)
                continue
            tables[name] = part.select([pl.col(c).cast(t) for c, t in schema.items()])
        return cls(**tables)


def empty_partial() -> Partial:
    """The partial of nothing (the identity of :func:`merge`)."""
    return Partial(**{name: _empty(name) for name in SCHEMAS})


def _floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


# ----------------------------------------------------------------- map step


def latency_bucket(col: str | pl.Expr) -> pl.Expr:
    """Log-scaled bucket of a latency in seconds (null for null or negative).

    >>> pl.select(latency_bucket(pl.lit(0.0)), latency_bucket(pl.lit(1.0))).row(0)
    (-2147483647, 0)
    """
    x = pl.col(col) if isinstance(col, str) else col
    b = (x.log() / math.log(GAMMA)).ceil()
    return (
        pl.when(x.is_null() | (x < 0))
        .then(None)
        .when(x < 1e-6)
        .then(pl.lit(ZERO_BUCKET))
        .otherwise(b)
        .cast(pl.Int32)
    )


def bucket_value(col: str | pl.Expr) -> pl.Expr:
    """The value a bucket stands for (within ALPHA of every value in it)."""
    b = pl.col(col) if isinstance(col, str) else col
    return (
        pl.when(b == ZERO_BUCKET)
        .then(0.0)
        .otherwise(2 * pl.lit(GAMMA).pow(b.cast(pl.Float64)) / (GAMMA + 1))
    )


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
) -> Partial:
    """Aggregate parsed rows (columns of :mod:`httplog.schema`) into a Partial."""
    cols = rows.columns
    bot = is_bot_expr("user_agent") if "user_agent" in cols else pl.lit(False)
    nbytes = pl.col("bytes").fill_null(0) if "bytes" in cols else pl.lit(0, pl.UInt64)
    lf = rows.lazy().select(
        *[c for c in cols if c in (*DIMENSIONS, *LATENCIES, "status")],
        minute=pl.col("time").dt.truncate("1m"),
        bot=bot.fill_null(False),
        _bytes=nbytes.cast(pl.UInt64),
        _kind=status_class_expr("status"),
    )
    queries: dict[str, pl.LazyFrame] = {
        "counts": lf.group_by("minute", "status", "bot").agg(
            requests=pl.len().cast(pl.UInt64), bytes=pl.col("_bytes").sum().cast(pl.UInt64)
        )
    }
    lat = [
        lf.filter(pl.col(m).is_not_null() & (pl.col(m) >= 0))
        .group_by("minute", bucket=latency_bucket(m), bot="bot")
        .agg(n=pl.len().cast(pl.UInt64))
        .with_columns(metric=pl.lit(m))
        for m in LATENCIES
        if m in cols
    ]
    dims = [d for d in DIMENSIONS if d in cols]
    keyq = [
        lf.filter(pl.col(d).is_not_null())
        .group_by(key=d, bot="bot")
        .agg(requests=pl.len().cast(pl.UInt64), bytes=pl.col("_bytes").sum().cast(pl.UInt64))
        .with_columns(dimension=pl.lit(d))
        for d in dims
    ]
    errs = lf.filter(pl.col("_kind").is_in(["4xx", "5xx"]))
    errq = [
        errs.filter(pl.col(d).is_not_null())
        .group_by("minute", kind="_kind", key=d, bot="bot")
        .agg(requests=pl.len().cast(pl.UInt64))
        .with_columns(dimension=pl.lit(d))
        for d in dims
    ]
    names = ["counts"] + [f"lat{i}" for i in range(len(lat))]
    names += [f"key{i}" for i in range(len(keyq))] + [f"err{i}" for i in range(len(errq))]
    results = dict(zip(names, pl.collect_all([queries["counts"], *lat, *keyq, *errq]), strict=True))

    def gather(prefix: str, table: str) -> pl.DataFrame:
        frames = [v for k, v in results.items() if k.startswith(prefix)]
        if not frames:
            return _empty(table)
        return pl.concat(frames, how="diagonal_relaxed").select(
            [pl.col(c).cast(t) for c, t in SCHEMAS[table].items()]
        )

    rej = rejected if rejected is not None else pl.DataFrame(schema=SCHEMAS["samples"])
    tmin, tmax = (rows["time"].min(), rows["time"].max()) if rows.height else (None, None)
    chunk = pl.DataFrame(
        {
            "source": [source],
            "chunk_start": [chunk_start],
            "lines": [lines if lines is not None else rows.height + rej.height],
            "parsed": [rows.height],
            "rejected": [rej.height],
            "bytes_read": [bytes_read],
            "time_min": [tmin],
            "time_max": [tmax],
            "format": [format_label],
            "detection": [detection],
        },
        schema=SCHEMAS["chunks"],
    )
    return Partial(
        counts=results["counts"].select([pl.col(c).cast(t) for c, t in SCHEMAS["counts"].items()]),
        latency=gather("lat", "latency"),
        keys=gather("key", "keys"),
        error_keys=gather("err", "error_keys"),
        rejected=rej.group_by("source", "reason").agg(count=pl.len().cast(pl.UInt64)),
        samples=_first_samples(rej.select(list(SCHEMAS["samples"]))),
        chunks=chunk,
    )


def aggregate_block(pb: object, *, keep: pl.Expr | None = None, detection: object = None) -> Partial:
    """Aggregate one :class:`~httplog.parse.ParsedBlock` (rows, rejections, provenance)."""
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
        bytes_read=len(block.data),
        format_label=pb.format.label,  # type: ignore[attr-defined]
        detection=str(detection) if detection is not None else None,
        rejected=pb.rejected,  # type: ignore[attr-defined]
    )
    if counted != rows.height:
        part = replace(part, chunks=part.chunks.with_columns(parsed=pl.lit(counted, pl.UInt64)))
    return part


# -------------------------------------------------------------- merge step


def merge(*partials: Partial) -> Partial:
    """Merge partial aggregates: the result is the partial of all their inputs.

    Merging is associative and commutative, and ``empty_partial()`` is its
    identity: any split of the input, merged in any order, gives the same
    result as the whole.
    """
    if len(partials) == 1:
        return partials[0]
    if not partials:
        return empty_partial()
    out = {}
    for name, keys in KEYS.items():
        frames = [getattr(p, name) for p in partials if getattr(p, name).height]
        if not frames:
            out[name] = _empty(name)
            continue
        df = pl.concat(frames)
        sums = [c for c in SCHEMAS[name] if c not in keys]
        out[name] = (
            df.group_by(list(keys))
            .agg([pl.col(c).sum().cast(SCHEMAS[name][c]) for c in sums])
            .sort(list(keys), nulls_last=True)
        )
    out["samples"] = _first_samples(pl.concat([p.samples for p in partials]))
    chunks = pl.concat([p.chunks for p in partials])
    out["chunks"] = (
        chunks.group_by("source", "chunk_start")
        .agg(
            pl.col("lines", "parsed", "rejected", "bytes_read").sum(),
            pl.col("time_min").min(),
            pl.col("time_max").max(),
            pl.col("format").drop_nulls().first(),
            pl.col("detection").drop_nulls().first(),
        )
        .select([pl.col(c).cast(t) for c, t in SCHEMAS["chunks"].items()])
        .sort("source", "chunk_start")
    )
    return Partial(**out)


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
    """Requests per status class, all of 1xx–5xx and invalid, with their share."""
    got = p.counts.group_by(cls=status_class_expr("status")).agg(requests=pl.col("requests").sum())
    frame = pl.DataFrame({"class": list(CLASSES)}).join(
        got.rename({"cls": "class"}), on="class", how="left"
    )
    frame = frame.with_columns(pl.col("requests").fill_null(0).cast(pl.UInt64))
    return frame.with_columns(share=_share("requests"))


def by_status(p: Partial) -> pl.DataFrame:
    """Requests per status code with their share, sorted by code."""
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
AUTO_WINDOWS = (1, 5, 10, 15, 30, 60, 180, 360, 720, 1440, 10080)
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
    return minutes


def window_label(minutes: int) -> str:
    """``5`` → ``5m``, ``60`` → ``1h``, ``1440`` → ``1d``."""
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def choose_window(p: Partial, spec: str = "auto") -> str:
    """The window to use: ``spec`` checked, or for ``auto`` the smallest
    candidate giving at most :data:`MAX_POINTS` windows over the span."""
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


def window_start(col: str | pl.Expr, every: str, tz: str) -> pl.Expr:
    """Start of the window holding a UTC time, as a time in ``tz``.

    Windows under a day are aligned on the local clock: with 1h windows in
    Asia/Kolkata (+05:30) they start at :00 local. Each window is a span of
    UTC time, so across a daylight-saving change no window is lost or
    doubled (the repeated local hour is two windows with distinct starts).
    Windows of whole days start at local midnight.
    """
    t = pl.col(col) if isinstance(col, str) else col
    minutes = window_minutes(every)
    local = t.dt.convert_time_zone(tz)
    if minutes % 1440 == 0:
        day = local.dt.replace_time_zone(None).dt.truncate(f"{minutes // 1440}d")
        return day.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    every_us = minutes * 60_000_000
    offset = (local.dt.base_utc_offset() + local.dt.dst_offset()).dt.total_microseconds()
    us = t.dt.epoch("us")
    start = us - (us + offset) % every_us
    return start.cast(pl.Datetime("us")).dt.replace_time_zone("UTC").dt.convert_time_zone(tz)


def all_windows(p: Partial, every: str, tz: str) -> pl.DataFrame:
    """Every window from the first request to the last, empty ones included."""
    if p.counts.is_empty():
        return pl.DataFrame(schema={"start": pl.Datetime("us", tz)})
    lo, hi = p.counts["minute"].min(), p.counts["minute"].max()
    minutes = window_minutes(every)
    if minutes % 1440 == 0:
        ends = pl.DataFrame({"t": [lo, hi]}, schema={"t": MINUTE}).select(
            window_start("t", every, tz)
        )["t"]
        days = pl.datetime_range(
            ends[0], ends[1], f"{minutes // 1440}d", time_zone=tz, eager=True
        )
        return pl.DataFrame({"start": days})
    grid = pl.datetime_range(lo, hi, "1m", time_zone="UTC", eager=True).alias("t")
    return grid.to_frame().select(start=window_start("t", every, tz)).unique().sort("start")


def timeline(p: Partial, *, every: str, tz: str = "UTC") -> pl.DataFrame:
    """Requests per window and class, error rates, bytes and latency percentiles.

    Columns: start, end, requests, 1xx … 5xx, invalid, rate_4xx, rate_5xx,
    bytes, and ``<metric>_p50/_p90/_p99`` (seconds) for each latency the log
    has. Empty windows are rows of zeros (null percentiles).
    """
    _check_tz(tz)
    windows = all_windows(p, every, tz)
    per = (
        p.counts.with_columns(start=window_start("minute", every, tz), cls=status_class_expr("status"))
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
    tl = tl.with_columns(
        end=_window_end(pl.col("start"), every),
        rate_4xx=_rate("4xx"),
        rate_5xx=_rate("5xx"),
    )
    order = ["start", "end", "requests", *CLASSES, "rate_4xx", "rate_5xx", "bytes"]
    metrics = [m for m in LATENCIES if m in set(p.latency["metric"].unique().to_list())]
    for m in metrics:
        q = percentiles(p.latency.filter(pl.col("metric") == m), every=every, tz=tz)
        q = q.rename({c: f"{m}_{c}" for c in q.columns if c != "start"})
        tl = tl.join(q, on="start", how="left")
        order += [f"{m}_p50", f"{m}_p90", f"{m}_p99"]
    return tl.select(order).sort("start")


def _window_end(start: pl.Expr, every: str) -> pl.Expr:
    minutes = window_minutes(every)
    if minutes % 1440 == 0:
        return start.dt.offset_by(f"{minutes // 1440}d")
    return start + pl.duration(minutes=minutes)


def _rate(cls: str) -> pl.Expr:
    return pl.when(pl.col("requests") > 0).then(pl.col(cls) / pl.col("requests")).otherwise(0.0)


def percentiles(
    latency: pl.DataFrame, *, every: str, tz: str = "UTC", qs: tuple[float, ...] = (0.5, 0.9, 0.99)
) -> pl.DataFrame:
    """p50/p90/p99 per window from histogram rows (minute, bucket, n).

    The q-quantile is the value of the bucket holding the ``ceil(q * n)``-th
    smallest value (nearest rank), so it is within ALPHA of the exact one.
    """
    h = (
        latency.with_columns(start=window_start("minute", every, tz))
        .group_by("start", "bucket")
        .agg(n=pl.col("n").sum())
        .sort("start", "bucket")
        .with_columns(
            cum=pl.col("n").cum_sum().over("start"), total=pl.col("n").sum().over("start")
        )
    )
    cols = []
    for q in qs:
        rank = (pl.col("total") * q).ceil().clip(lower_bound=1)
        cols.append(
            bucket_value(pl.col("bucket").filter(pl.col("cum") >= rank).first()).alias(
                f"p{round(q * 100)}"
            )
        )
    return h.group_by("start").agg(cols).sort("start")


def top_n(p: Partial, *, n: int = 10) -> pl.DataFrame:
    """Top ``n`` keys per dimension overall and among 4xx and 5xx responses.

    Columns: dimension, scope (all, 4xx, 5xx), rank, key, requests, share
    (of the scope's requests). Ties are broken by key, so the table is stable.
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


def _check_tz(tz: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = f"unknown time zone {tz!r} (use an IANA name such as UTC or Europe/Paris)"
        raise UsageError(msg) from None
