"""The reduce step: a (merged) partial → the frames an analysis shows.

:func:`by_status`, :func:`by_class`, :func:`by_window` and :func:`top_n` take
a :class:`~httplog.partial.Partial`, or any parsed frame (a DataFrame, a
LazyFrame such as :func:`httplog.scan_logs` gives, a
:class:`~httplog.scan.ParsedLog`), which is aggregated first
(:func:`httplog.aggregate`). Their rows are small: one per status code, class,
window or top key.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, UTC
>>> rows = pl.DataFrame(
...     {
...         "time": [datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (0, 1, 2, 3)],
...         "status": pl.Series([200, 200, 404, 503], dtype=pl.UInt16),
...         "path": ["/", "/", "/x", "/api"],
...         "user_agent": ["Mozilla/5.0", "Googlebot/2.1", "Mozilla/5.0", "Mozilla/5.0"],
...     }
... )
>>> by_status(rows).rows()
[(200, 2, 0.5), (404, 1, 0.25), (503, 1, 0.25)]
>>> by_window(rows, every="2m").select("requests", "4xx", "5xx").rows()
[(2, 0, 0), (2, 1, 1)]
"""

from __future__ import annotations

import threading
import weakref

import polars as pl

from httplog.aggregation import aggregate
from httplog.partial import Partial
from httplog.scan import ParsedLog
from httplog.schema import DIMENSIONS, LATENCIES
from httplog.sketches import (
    bucket_quantiles,
    quantile_name,
)
from httplog.statuscodes import CLASSES, status_class
from httplog.windows import (
    auto_window,
    check_tz,
    polars_zone,
    window_label,
    window_map,
    window_minutes,
)
from httplog.windows import windows_between as _windows_between

#: What the reductions take: a partial, or parsed rows (aggregated first).
Counted = Partial | pl.DataFrame | pl.LazyFrame | ParsedLog


def as_partial(x: Counted) -> Partial:
    """``x`` itself if it is a partial; parsed rows aggregated into one.

    >>> as_partial(pl.DataFrame({"time": [None], "status": [200]})).requests
    1
    """
    if isinstance(x, Partial):
        return x
    if isinstance(x, ParsedLog):
        return aggregate(x.frame)
    return aggregate(x)


def by_class(x: Counted) -> pl.DataFrame:
    """Requests per status class, all of 1xx–5xx and invalid, with their share.

    >>> by_class(pl.DataFrame({"time": [None] * 4, "status": [200, 200, 404, 503]})).rows()[1:5]
    [('2xx', 2, 0.5), ('3xx', 0, 0.0), ('4xx', 1, 0.25), ('5xx', 1, 0.25)]
    """
    p = as_partial(x)
    got = p.counts.group_by(cls=status_class("status")).agg(requests=pl.col("requests").sum())
    frame = pl.DataFrame({"class": list(CLASSES)}).join(
        got.rename({"cls": "class"}), on="class", how="left"
    )
    frame = frame.with_columns(pl.col("requests").fill_null(0).cast(pl.UInt64))
    return frame.with_columns(share=_share("requests"))


def by_status(x: Counted) -> pl.DataFrame:
    """Requests per status code with their share, sorted by code.

    >>> import os, tempfile, httplog
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 502 0 "-" "-"\\n'
    ... )
    >>> httplog.by_status(httplog.read_logs(p).frame).rows()
    [(502, 1, 1.0)]
    """
    p = as_partial(x)
    return (
        p.counts.group_by("status")
        .agg(requests=pl.col("requests").sum())
        .with_columns(share=_share("requests"))
        .sort("status")
    )


def _share(col: str) -> pl.Expr:
    total = pl.col(col).sum()
    return pl.when(total > 0).then(pl.col(col) / total).otherwise(0.0)


def choose_window(x: Counted, spec: str = "auto") -> str:
    """The window to use: ``spec`` checked, or for ``auto`` the smallest
    candidate giving at most 300 windows over the span (see
    :func:`httplog.windows.auto_window`).

    >>> from datetime import datetime, UTC
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)],
    ...         "status": pl.Series([200, 200], dtype=pl.UInt16),
    ...     }
    ... )
    >>> choose_window(rows), choose_window(rows, "60m")
    ('5m', '1h')
    """
    if spec != "auto":
        return window_label(window_minutes(spec))
    span = as_partial(x).minute_span
    return auto_window(*span) if span else auto_window(None, None)


def all_windows(x: Counted, every: str, tz: str) -> pl.DataFrame:
    """Every window from the first request to the last, empty ones included
    (columns ``start``, ``end`` in ``tz``; see :func:`httplog.windows.windows_between`)."""
    span = as_partial(x).minute_span
    first, last = span if span is not None else (None, None)
    return _windows_between(first, last, every, tz)


def by_window(x: Counted, *, every: str, tz: str = "UTC") -> pl.DataFrame:
    """Requests per window and class, error rates, bytes and latency percentiles
    (the timeline of an analysis).

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
    >>> tl = by_window(rows, every="10m")
    >>> tl.select("requests", "2xx", "4xx", "5xx", "rate_5xx").rows()
    [(2, 1, 0, 1, 0.5), (0, 0, 0, 0, 0.0), (0, 0, 0, 0, 0.0), (1, 0, 1, 0, 0.0)]
    """
    check_tz(tz)
    p = as_partial(x)
    windows = all_windows(p, every, tz)
    wmap = window_map(p.counts["minute"], every, tz)
    per = (
        p.counts.join(wmap, on="minute", how="left")
        .with_columns(cls=status_class("status"))
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
    """p50/p90/p99 per window (``start``) from a partial's ``latency`` rows (minute, bucket, n).

    The q-quantile is within 1% of the exact nearest-rank quantile
    (:func:`httplog.sketches.bucket_quantiles`); zeros are exactly 0.

    >>> from datetime import datetime, UTC
    >>> from httplog.sketches import ALPHA
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, tzinfo=UTC)] * 4,
    ...         "status": pl.Series([200] * 4, dtype=pl.UInt16),
    ...         "request_time": [0.0, 0.0, 0.25, 2.0],
    ...     }
    ... )
    >>> q = percentiles(aggregate(rows).latency, every="1h")
    >>> q.select("p50", (pl.col("p90") / 2.0 - 1).abs() < ALPHA).row(0)
    (0.0, True)
    """
    start = pl.Datetime("us", polars_zone(tz))  # (+03:30 is no polars zone: see windows)
    schema = {"start": start, **{quantile_name(q): pl.Float64() for q in qs}}
    if latency.is_empty():
        return pl.DataFrame(schema=schema)
    h = latency.join(window_map(latency["minute"], every, tz), on="minute", how="left")
    return bucket_quantiles(h, "start", qs).select(list(schema))


def top_n(x: Counted, *, n: int = 10) -> pl.DataFrame:
    """Top ``n`` keys per dimension overall and among 4xx and 5xx responses.

    Columns: dimension, scope (all, 4xx, 5xx), rank, key, requests, share
    (of the scope's requests), delta. Ties are broken by key, so the table is
    stable. The key tables are bounded summaries (:class:`httplog.partial.Summary`):
    ``delta`` is the maximum error of the scope's counts — a key's true count
    is within ``[requests, requests + delta]`` — and 0 where they are exact.

    At least :data:`TOP_ROWS` keys per scope are ranked, and the last table
    is kept (for the same tables, the frames themselves) until other tables
    are ranked: asked again for as many rows or fewer, ``top_n`` takes its
    first rows (a state's error keys are many to rank twice).

    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [None] * 4,
    ...         "status": pl.Series([200, 200, 404, 503], dtype=pl.UInt16),
    ...         "path": ["/", "/", "/x", "/api"],
    ...     }
    ... )
    >>> top_n(rows, n=1).filter(pl.col("dimension") == "path").drop("delta").rows()
    [('path', '4xx', 1, '/x', 1, 1.0), ('path', '5xx', 1, '/api', 1, 1.0), ('path', 'all', 1, '/', 2, 0.5)]
    """
    p = as_partial(x)
    frames = tuple(p.table(name) for name in _TOP_TABLES)
    with _top_lock:
        hit = _top_cache.get(frames, n)
    if hit is not None:
        return hit
    ranked = max(n, TOP_ROWS)
    top = _top_n(p, ranked)
    with _top_lock:
        _top_cache.put(frames, top, ranked)
    return top.filter(pl.col("rank") <= n)


#: The tables :func:`top_n` reads.
_TOP_TABLES = ("keys", "error_keys", "counts", "keys_delta", "error_keys_delta")
#: Rows per scope :func:`top_n` ranks at least (a report's top tables show this
#: many): the first ``n`` of them are the top ``n``, for any smaller ``n``.
TOP_ROWS = 100


class _TopCache:
    """The last :func:`top_n` table, for the same tables (the very frames,
    held weakly) asked again with as many rows or fewer: a report ranks the
    keys of the analysis' own view once more, at its tables' length."""

    def __init__(self) -> None:
        self._refs: tuple[weakref.ref[pl.DataFrame], ...] = ()
        self._top: pl.DataFrame | None = None
        self._n = 0

    def get(self, frames: tuple[pl.DataFrame, ...], n: int) -> pl.DataFrame | None:
        top = self._top
        if top is None or n > self._n or len(frames) != len(self._refs):
            return None
        if any(r() is not f for r, f in zip(self._refs, frames, strict=True)):
            return None
        return top.filter(pl.col("rank") <= n)

    def put(self, frames: tuple[pl.DataFrame, ...], top: pl.DataFrame, n: int) -> None:
        self._refs = tuple(weakref.ref(f) for f in frames)
        self._top, self._n = top, n


_top_cache = _TopCache()
_top_lock = threading.Lock()


def _top_n(p: Partial, n: int) -> pl.DataFrame:
    """:func:`top_n` of a partial, computed."""
    total_all = p.requests
    overall = (
        p.keys.filter(pl.col("dimension").is_in(DIMENSIONS))
        .group_by("dimension", "key")
        .agg(pl.col("requests").sum())
        .with_columns(scope=pl.lit("all"), total=pl.lit(total_all, pl.UInt64))
    )
    cls_tot = p.counts.group_by(scope=status_class("status")).agg(total=pl.col("requests").sum())
    errors = (
        p.error_keys.lazy()
        .group_by("dimension", "kind", "key")
        .agg(pl.col("requests").sum())
        .rename({"kind": "scope"})
        .join(cls_tot.lazy(), on="scope", how="left")
    )
    both = pl.concat([overall.lazy(), errors], how="diagonal_relaxed")
    delta = pl.concat(
        [
            p.keys_delta.group_by("dimension")
            .agg(pl.col("delta").sum())
            .with_columns(scope=pl.lit("all")),
            p.error_keys_delta.group_by("dimension", scope="kind").agg(pl.col("delta").sum()),
        ],
        how="diagonal_relaxed",
    )
    # The n first of each scope by (requests descending, key), without sorting
    # every key: a state's error keys are a hundred per minute ever seen.
    top = (
        both.group_by("dimension", "scope")
        .agg(
            pl.col("key", "requests", "total").top_k_by(
                ["requests", "key"], n, reverse=[False, True]
            )
        )
        .explode("key", "requests", "total")
        .collect(engine="streaming")
        .sort(["dimension", "scope", "requests", "key"], descending=[False, False, True, False])
    )
    return (
        top.join(delta, on=["dimension", "scope"], how="left", maintain_order="left")
        .with_columns(
            rank=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("dimension", "scope"),
            share=pl.when(pl.col("total") > 0)
            .then(pl.col("requests") / pl.col("total"))
            .otherwise(0.0),
            delta=pl.col("delta").fill_null(0).cast(pl.UInt64),
        )
        .select(
            "dimension",
            "scope",
            "rank",
            "key",
            pl.col("requests").cast(pl.UInt64),
            "share",
            "delta",
        )
        .sort("dimension", "scope", "rank")
    )
