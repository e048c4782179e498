"""The dashboard's panels: what GoAccess's panels answer, from a partial.

:func:`panels` gives every panel the log has the fields for — visitors per
day, the hours of the day, the key panels of :data:`KEY_PANELS` (requested
and static files, not found, clients, agents, virtual hosts, referrers …),
routes and the slowest endpoints — and :func:`breakdowns` what a panel's
rows are made of (a URL's status codes and methods, a client's paths). Like
the reductions of :mod:`httplog.reduce`, each takes a partial or any parsed
frame (aggregated first).

Examples
--------
>>> import polars as pl
>>> rows = pl.DataFrame({"time": [None] * 3, "status": [200, 200, 404], "path": ["/", "/", "/x"]})
>>> panels(rows)["requests"].select("path", "requests").rows()
[('/', 2)]
>>> panels(rows)["not_found"].select("path", "requests").rows()
[('/x', 1)]
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

import polars as pl

from httplog.partial import Partial
from httplog.reduce import Counted, as_partial
from httplog.routes import RouteRule, route
from httplog.sketches import (
    BITMAP_ERROR,
    KEY_GAMMA,
    KEYS_P,
    VISITOR_WORDS,
    VISITORS_P,
    bucket_quantiles,
    distinct,
    quantile_name,
    standard_error,
    visitors_within,
)
from httplog.windows import check_tz, local_time

__all__ = [
    "BREAKDOWNS",
    "KEY_PANELS",
    "KEY_QUANTILES",
    "breakdowns",
    "distinct_keys",
    "is_static",
    "key_panel",
    "key_words",
    "panels",
    "routes",
    "slowest",
    "static_extensions",
    "time_distribution",
    "visitors_per_day",
]

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
    client, agent and date, a bitmap estimate within ``visitors_error``,
    when the log has clients), bytes, ``4xx`` and ``5xx`` (responses of that
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
        # (its visitors are those of the requests seen other than 4xx: never more)
        cols.append(visitors_within(seen - pl.col("4xx")))
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


def key_words(x: Counted, dimension: str, name: str = "key") -> pl.DataFrame | None:
    """The visitor bitmap of each key of a ``keys`` dimension (``name``, then
    the words ``v0`` … ``v4``, or-ed over bots), for the panels folded from a
    key panel's keys (browsers from agents, countries from clients): the
    bitmap of a family is the or of its keys' bitmaps, so a visitor of two
    agents of one family counts once. None without bitmaps (no clients).

    >>> rows = pl.DataFrame(
    ...     {"time": [None] * 2, "status": [200] * 2, "remote_addr": ["a", "b"], "user_agent": "x"}
    ... )
    >>> key_words(rows, "user_agent", "user_agent").columns
    ['user_agent', 'v0', 'v1', 'v2', 'v3', 'v4']
    """
    k = as_partial(x).keys.filter(pl.col("dimension") == dimension)
    if k["v0"].null_count() == k.height:
        return None
    return k.group_by(pl.col("key").alias(name)).agg(pl.col(w).bitwise_or() for w in VISITOR_WORDS)


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
