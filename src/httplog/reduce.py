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
import tomllib
import weakref
from functools import cache
from importlib.resources import files

import polars as pl

from httplog.aggregation import aggregate
from httplog.partial import Partial
from httplog.routes import RouteRule, route
from httplog.scan import ParsedLog
from httplog.schema import DIMENSIONS, LATENCIES
from httplog.sketches import (
    BITMAP_ERROR,
    KEY_GAMMA,
    KEYS_P,
    VISITOR_WORDS,
    VISITORS_P,
    bitmap_estimate,
    bucket_quantiles,
    distinct,
    quantile_name,
    standard_error,
)
from httplog.statuscodes import CLASSES, status_class
from httplog.windows import (
    auto_window,
    check_tz,
    local_time,
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


# ------------------------------------------------------------ dashboard panels

#: Panels of one ``keys`` dimension: panel name → (dimension, the key column's name).
KEY_PANELS: dict[str, tuple[str, str]] = {
    "requests": ("file", "path"),
    "static_requests": ("file", "path"),
    "not_found": ("not_found", "path"),
    "hosts": ("remote_addr", "remote_addr"),
    "user_agents": ("user_agent", "user_agent"),
    "vhosts": ("host", "host"),
    "referrers": ("referer", "referer"),
    "referring_sites": ("referer_site", "site"),
    "methods": ("method", "method"),
    "protocols": ("protocol", "protocol"),
    "remote_users": ("remote_user", "remote_user"),
    "tls_protocols": ("ssl_protocol", "ssl_protocol"),
    "tls_ciphers": ("ssl_cipher", "ssl_cipher"),
    "content_types": ("content_type", "content_type"),
    "cache_statuses": ("upstream_cache_status", "upstream_cache_status"),
}


@cache
def static_extensions() -> tuple[str, ...]:
    """The extensions of static files (``data/static.toml``, GoAccess's list).

    >>> ".css" in static_extensions()
    True
    """
    text = files("httplog").joinpath("data", "static.toml").read_text(encoding="utf-8")
    return tuple(tomllib.loads(text)["extensions"])


def is_static(col: str = "path") -> pl.Expr:
    """A path ending with a static file's extension (any case).

    >>> pl.DataFrame({"p": ["/a.CSS", "/a.cssx", "/"]}).select(is_static("p"))["p"].to_list()
    [True, False, False]
    """
    lower = pl.col(col).str.to_lowercase()
    return pl.any_horizontal([lower.str.ends_with(e) for e in static_extensions()]).alias(col)


def key_panel(x: Counted, dimension: str, name: str = "key") -> pl.DataFrame:
    """One dimension of ``keys`` as a panel: ``name`` (the key), requests,
    share (of every request), ``visitors`` (GoAccess's per key: distinct
    client, agent and date, a bitmap estimate within ``visitors_error``, for
    the dimensions of paths), bytes, ``4xx`` and ``5xx`` (responses of that
    class) and ``rate_4xx``/``rate_5xx`` (their share of the key's
    requests), ``time_sum``/``mean_time``/``max_time`` (seconds, when the log
    has request times), ``delta`` (the maximum error of ``requests``: the true
    count is within ``[requests, requests + delta]``; 0 when exact), sorted by
    requests (then key).

    The key tables are bounded (:class:`httplog.partial.Summary`): beyond the
    bound, a key's bytes, errors, times and visitors are those of the requests
    seen while it was kept, so ``4xx`` is within ``[4xx, 4xx + delta]`` too
    and the rates are shares of the requests seen (exact when ``delta`` is 0).

    >>> rows = pl.DataFrame(
    ...     {"time": [None] * 3, "status": [200, 200, 404], "method": ["GET", "GET", "POST"]}
    ... )
    >>> key_panel(rows, "method", "method").select("method", "requests", "4xx", "rate_4xx").rows()
    [('GET', 2, 0, 0.0), ('POST', 1, 1, 1.0)]
    """
    p = as_partial(x)
    k = p.keys.filter(pl.col("dimension") == dimension)
    delta = int(p.keys_delta.filter(pl.col("dimension") == dimension)["delta"].sum() or 0)
    total = p.requests
    timed = k["timed"].sum() > 0
    words = k["v0"].null_count() < k.height
    g = k.group_by("key").agg(
        pl.col("requests", "bytes", "timed", "time_us", "seen", "4xx", "5xx").sum(),
        pl.col("time_max").max(),
        *[pl.col(w).bitwise_or() for w in VISITOR_WORDS],
    )
    seen = pl.max_horizontal("seen", "requests")
    cols: list[str | pl.Expr] = [
        pl.col("key").alias(name),
        "requests",
        (pl.col("requests") / total if total else pl.lit(0.0)).alias("share"),
    ]
    if words:
        cols.append(bitmap_estimate().round().cast(pl.UInt64))
    cols += [
        "bytes",
        "4xx",
        "5xx",
        (pl.col("4xx") / seen).alias("rate_4xx"),
        (pl.col("5xx") / seen).alias("rate_5xx"),
    ]
    if timed:
        cols += [
            (pl.col("time_us") / 1_000_000).alias("time_sum"),
            (pl.col("time_us") / pl.col("timed") / 1_000_000).alias("mean_time"),
            pl.col("time_max").alias("max_time"),
        ]
    cols.append(pl.lit(delta, pl.UInt64).alias("delta"))
    if words:
        cols.append(pl.lit(BITMAP_ERROR).alias("visitors_error"))
    return g.sort(["requests", "key"], descending=[True, False]).select(cols)


def visitors_per_day(x: Counted, tz: str = "UTC") -> pl.DataFrame:
    """Unique visitors per day in ``tz`` (GoAccess's: the same client and agent
    on one date, requests with a 4xx status left out), with the day's requests
    and bytes. Columns: day, requests, bytes, visitors, estimate (the day's
    visitors are a HyperLogLog estimate, standard error
    :func:`httplog.sketches.standard_error` of :data:`~httplog.sketches.VISITORS_P`,
    about 1.6%). Days are whole UTC hours in ``tz`` (an offset of a fraction of
    an hour puts the hours around midnight in one of the two days).

    >>> from datetime import datetime, UTC
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, h, tzinfo=UTC) for h in (1, 2, 23)],
    ...         "status": [200, 200, 200],
    ...         "remote_addr": ["a", "a", "a"],
    ...     }
    ... )
    >>> visitors_per_day(rows).select("day", "requests", "visitors").rows()
    [(datetime.date(2026, 1, 1), 3, 1)]
    >>> visitors_per_day(rows, "Asia/Tokyo")["visitors"].to_list()
    [1, 1]
    """
    check_tz(tz)
    p = as_partial(x)
    day = local_time(pl.col("hour"), tz).dt.date().alias("day")
    per = (
        p.counts.group_by(day=local_time(pl.col("minute"), tz).dt.date())
        .agg(pl.col("requests", "bytes").sum())
        .drop_nulls("day")
    )
    v = p.visitors.select(day, "visitor")
    regs = p.visitors_hll.select(day, "reg", "rank")
    counted = distinct(v, regs, ["day"], "visitor", VISITORS_P).rename({"distinct": "visitors"})
    return (
        per.join(counted, on="day", how="left")
        .with_columns(pl.col("visitors").fill_null(0), pl.col("estimate").fill_null(False))
        .select(
            "day",
            pl.col("requests", "bytes").cast(pl.UInt64),
            pl.col("visitors").cast(pl.UInt64),
            "estimate",
        )
        .sort("day")
    )


def time_distribution(x: Counted, tz: str = "UTC") -> pl.DataFrame:
    """Requests per hour of the day (0–23) in ``tz``: hour, requests, bytes,
    4xx, 5xx — every hour a row.

    >>> from datetime import datetime, UTC
    >>> rows = pl.DataFrame({"time": [datetime(2026, 1, 1, 23, tzinfo=UTC)], "status": [503]})
    >>> time_distribution(rows, "Europe/Paris").filter(pl.col("requests") > 0).rows()
    [(0, 1, 0, 0, 1)]
    """
    check_tz(tz)
    p = as_partial(x)
    cls = pl.col("status") // 100
    got = p.counts.group_by(hour=local_time(pl.col("minute"), tz).dt.hour()).agg(
        pl.col("requests", "bytes").sum(),
        pl.col("requests").filter(cls == 4).sum().alias("4xx"),
        pl.col("requests").filter(cls == 5).sum().alias("5xx"),
    )
    hours = pl.DataFrame({"hour": pl.int_range(0, 24, eager=True).cast(pl.Int8)})
    return (
        hours.join(got.drop_nulls("hour"), on="hour", how="left")
        .with_columns(pl.col("requests", "bytes", "4xx", "5xx").fill_null(0).cast(pl.UInt64))
        .sort("hour")
    )


def distinct_keys(x: Counted) -> pl.DataFrame:
    """Distinct keys per dimension of ``keys``: exact while the dimension's
    summary is (its ``delta`` is 0), else the HyperLogLog estimate of its
    registers (standard error :func:`~httplog.sketches.standard_error` of
    :data:`~httplog.sketches.KEYS_P`, 0.8%). Columns: dimension, distinct,
    estimate, error (the relative standard error: 0 when exact).

    >>> rows = pl.DataFrame({"time": [None] * 3, "status": [200] * 3, "path": list("aab")})
    >>> distinct_keys(rows).filter(pl.col("dimension") == "path").rows()
    [('path', 2, False, 0.0)]
    """
    p = as_partial(x)
    pruned = p.keys_delta.filter(pl.col("delta") > 0)["dimension"].unique()
    exact = (
        p.keys.filter(~pl.col("dimension").is_in(pruned.implode()))
        .group_by("dimension")
        .agg(distinct=pl.col("key").n_unique().cast(pl.UInt64))
        .with_columns(estimate=pl.lit(False), error=pl.lit(0.0))
    )
    regs = p.key_hll.filter(pl.col("dimension").is_in(pruned.implode()))
    none = pl.DataFrame(schema={"dimension": pl.String, "v": pl.UInt64})
    est = distinct(none, regs.select("dimension", "reg", "rank"), ["dimension"], "v", KEYS_P)
    est = est.with_columns(error=pl.lit(standard_error(KEYS_P)))
    return pl.concat([exact, est.select(exact.columns)]).sort("dimension")


def panels(
    x: Counted, tz: str = "UTC", rules: tuple[RouteRule, ...] = ()
) -> dict[str, pl.DataFrame]:
    """Every dashboard panel the partial has the fields for (a panel whose
    columns the log lacks is absent): ``visitors`` (:func:`visitors_per_day`),
    ``time_distribution``, and the key panels of :data:`KEY_PANELS`
    (:func:`key_panel`; ``requests`` and ``static_requests`` split the paths
    of requests other than 404 by :func:`is_static`), ``routes`` with the
    extra ``rules`` first (:func:`routes`) and, with request times,
    ``slowest`` (:func:`slowest`).

    >>> rows = pl.DataFrame({"time": [None] * 2, "status": [200, 404], "path": ["/a.css", "/b"]})
    >>> sorted(panels(rows))
    ['not_found', 'requests', 'routes', 'static_requests', 'time_distribution']
    >>> panels(rows)["static_requests"]["path"].to_list()
    ['/a.css']
    """
    p = as_partial(x)
    present = set(p.keys["dimension"].unique().to_list())
    out: dict[str, pl.DataFrame] = {}
    if not p.visitors.is_empty() or not p.visitors_hll.is_empty():
        out["visitors"] = visitors_per_day(p, tz)
    if not p.counts.is_empty():
        out["time_distribution"] = time_distribution(p, tz)
    for name, (dimension, key) in KEY_PANELS.items():
        if dimension not in present and not (name == "requests" and "not_found" in present):
            continue
        frame = key_panel(p, dimension, key)
        if name == "requests":
            frame = frame.filter(~is_static(key))
        elif name == "static_requests":
            frame = frame.filter(is_static(key))
        out[name] = frame
    if "path" in present:
        out["routes"] = routes(p, rules)
        slow = slowest(p, rules)
        if slow is not None:
            out["slowest"] = slow
    return out


#: The per-key percentiles of request times (the ``slowest`` panel, routes).
KEY_QUANTILES: tuple[float, ...] = (0.5, 0.95, 0.99)


def _folded(p: Partial, rules: tuple[RouteRule, ...] = ()) -> pl.DataFrame:
    """Each kept path and its route (key, route), ``rules`` first: folded once
    per analysis."""
    paths = p.keys.filter(pl.col("dimension") == "path").select("key").unique()
    return paths.select("key", route=route("key", extra=rules))


def _key_quantiles(p: Partial, folded: pl.DataFrame | None = None) -> pl.DataFrame:
    """p50/p95/p99 of request times per path (or, with ``folded``, per route)
    from the paths' histograms (``key_latency``; within 5%: KEY_ALPHA)."""
    h = p.key_latency.filter(pl.col("dimension") == "path").select("key", "bucket", "n")
    if folded is not None:
        h = h.join(folded, on="key").select(key="route", bucket="bucket", n="n")
    schema = {"key": pl.String(), **{quantile_name(q): pl.Float64() for q in KEY_QUANTILES}}
    if h.is_empty():
        return pl.DataFrame(schema=schema)
    return bucket_quantiles(h, "key", KEY_QUANTILES, KEY_GAMMA).select(list(schema))


def routes(x: Counted, rules: tuple[RouteRule, ...] = ()) -> pl.DataFrame:
    """Requests per route (:func:`httplog.routes.route`: identifier segments of
    the path folded), from the summary of paths: route and the columns of
    :func:`key_panel` (visitors, errors, times), with ``p50``/``p95``/``p99``
    of request times when the log has them (from the paths' histograms,
    within 5%). Routes are folded once per analysis from the kept paths (at
    most :data:`~httplog.partial.KEYS_K` per bot), not per line: exact while
    the paths are (``delta`` 0); beyond, a route's requests are a lower bound,
    short of the truth by at most ``delta`` times the number of its paths
    that were not kept.

    >>> rows = pl.DataFrame(
    ...     {"time": [None] * 3, "status": [200] * 3, "path": ["/u/1", "/u/2", "/"]}
    ... )
    >>> routes(rows).select("route", "requests").rows()
    [('/u/{id}', 2), ('/', 1)]
    """
    p = as_partial(x)
    folded = _folded(p, rules)
    frame = key_panel(_as_routes(p, folded), "route", "route")
    return _with_quantiles(p, frame, "route", folded)


def _as_routes(p: Partial, folded: pl.DataFrame) -> Partial:
    k = p.keys.filter(pl.col("dimension") == "path")
    keys = (
        k.join(folded, on="key")
        .with_columns(dimension=pl.lit("route"), key=pl.col("route"))
        .drop("route")
    )
    delta = p.keys_delta.filter(pl.col("dimension") == "path").with_columns(
        dimension=pl.lit("route")
    )
    return p.with_tables(keys=keys, keys_delta=delta)


def _with_quantiles(
    p: Partial, frame: pl.DataFrame, name: str, folded: pl.DataFrame | None
) -> pl.DataFrame:
    """``frame`` with p50/p95/p99 after its mean time (when it has times)."""
    if "mean_time" not in frame.columns:
        return frame
    q = _key_quantiles(p, folded).rename({"key": name})
    out = frame.join(q, on=name, how="left", maintain_order="left")
    order = list(frame.columns)
    at = order.index("mean_time") + 1
    return out.select([*order[:at], *q.columns[1:], *order[at:]])


def slowest(x: Counted, rules: tuple[RouteRule, ...] = ()) -> pl.DataFrame | None:
    """The slowest endpoints: every kept route and path (``by``: route or
    path; ``key``) with requests, ``time_sum`` (the cumulative request time,
    seconds: where the server spends its time), ``mean_time``, ``p50``,
    ``p95``, ``p99`` (within 5%), ``max_time`` and ``delta`` (of requests),
    sorted by time_sum (then key); None when the log has no request times.
    Sort by ``p99`` for the endpoints slowest for their users.

    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [None] * 3,
    ...         "status": [200] * 3,
    ...         "path": ["/u/1", "/u/2", "/"],
    ...         "request_time": [1.0, 3.0, 0.5],
    ...     }
    ... )
    >>> slowest(rows).select("by", "key", "time_sum", "max_time").rows()
    [('route', '/u/{id}', 4.0, 3.0), ('path', '/u/2', 3.0, 3.0), ('path', '/u/1', 1.0, 1.0), ('route', '/', 0.5, 0.5), ('path', '/', 0.5, 0.5)]
    """
    p = as_partial(x)
    paths = p.keys.filter(pl.col("dimension") == "path")
    if paths.is_empty() or not paths["timed"].sum():
        return None
    folded = _folded(p, rules)
    cols = ["requests", "time_sum", "mean_time", "p50", "p95", "p99", "max_time", "delta"]
    by_path = _with_quantiles(p, key_panel(p, "path", "key"), "key", None)
    by_route = _with_quantiles(p, key_panel(_as_routes(p, folded), "route", "key"), "key", folded)
    both = pl.concat(
        [
            by_route.select(pl.lit("route").alias("by"), "key", *cols),
            by_path.select(pl.lit("path").alias("by"), "key", *cols),
        ]
    )
    return both.sort(["time_sum", "key", "by"], descending=[True, False, True], nulls_last=True)


# ------------------------------------------------------------- breakdowns

#: What a panel's rows are made of: panel → the pairs of ``cross`` (its key
#: first); ``routes`` are folded from the paths' pairs.
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "requests": ("path:status", "path:method", "path:protocol"),
    "routes": ("path:status", "path:method"),
    "hosts": ("remote_addr:path", "remote_addr:status"),
    "not_found": ("not_found:referer",),
}


def breakdowns(
    x: Counted,
    found: dict[str, pl.DataFrame],
    *,
    rows: int = 50,
    values: int = 10,
    rules: tuple[RouteRule, ...] = (),
) -> dict[str, pl.DataFrame]:
    """By panel name (:data:`BREAKDOWNS`), what the panel's first ``rows`` rows
    (of ``found``, the panels) are made of: key, dimension (status, method,
    protocol, path, referer), value, requests, delta — at most ``values``
    values per key and dimension, the most requested first. ``delta`` is the
    maximum error of the pair counts (the cross tables are bounded
    summaries, :data:`~httplog.partial.CROSS_K` pairs per pair kind and bot):
    a value's true count is within ``[requests, requests + delta]``; for
    routes, folded from paths, a lower bound short by at most delta per path.
    (The requests panel counts requests other than 404: its statuses leave
    404 out, its methods and protocols are those of every request to the path.)

    >>> rows = pl.DataFrame(
    ...     {"time": [None] * 3, "status": [200, 500, 200], "path": ["/a", "/a", "/b"]}
    ... )
    >>> b = breakdowns(rows, panels(rows))["requests"]
    >>> b.filter(pl.col("key") == "/a").select("dimension", "value", "requests").rows()
    [('status', '200', 1), ('status', '500', 1)]
    """
    p = as_partial(x)
    out: dict[str, pl.DataFrame] = {}
    cross = p.cross.group_by("pair", "key", "value").agg(pl.col("requests").sum())
    deltas = p.cross_delta.group_by("pair").agg(pl.col("delta").sum())
    for panel, pairs in BREAKDOWNS.items():
        frame = found.get(panel)
        if frame is None:
            continue
        keys = frame.head(rows).select(key=pl.col(frame.columns[0])).with_row_index("_rank")
        got = cross.filter(pl.col("pair").is_in(list(pairs)))
        if panel == "routes":
            got = (
                got.join(_folded(p, rules), on="key")
                .group_by("pair", key="route", value="value")
                .agg(pl.col("requests").sum())
            )
        if panel == "requests":  # (its rows are of requests other than 404)
            got = got.filter((pl.col("pair") != "path:status") | (pl.col("value") != "404"))
        got = got.join(keys, on="key")
        out[panel] = (
            got.join(deltas, on="pair", how="left")
            .with_columns(
                dimension=pl.col("pair").str.split(":").list.last(),
                delta=pl.col("delta").fill_null(0).cast(pl.UInt64),
            )
            .sort(["_rank", "pair", "requests", "value"], descending=[False, False, True, False])
            .group_by("_rank", "pair", maintain_order=True)
            .head(values)
            .select("key", "dimension", "value", pl.col("requests").cast(pl.UInt64), "delta")
        )
    return out
