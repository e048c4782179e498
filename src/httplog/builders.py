"""The block builders: how each table of a :class:`~httplog.partial.Partial`
is built from a block's rows.

:class:`Rows` is what every builder reads: the block's rows as one shared lazy
frame (minute, bot flag, bytes, the dimensions and latencies the log has) and
the first group-bys per path, client and referer that several builders add up
(:func:`first_group_bys`, collected once). Each builder of :data:`BUILDERS`
gives the queries whose rows, concatenated (:func:`table_plan`), are its
table; :mod:`httplog.aggregation` makes the shared frame, runs every table's
query together and adds the tables of lines.

>>> sorted(BUILDERS)[:3]
['counts', 'cross', 'error_keys']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import polars as pl

from httplog.formats.times import UTC_OFFSET
from httplog.partial_tables import Table
from httplog.schema import DIMENSIONS, LATENCIES
from httplog.sketches import (
    HASH_SEED,
    KEYS_P,
    VISITOR_WORDS,
    hll_register,
    key_latency_bucket,
    latency_bucket,
)

#: Columns of the dashboard panels beyond the top-N dimensions, counted in
#: ``keys`` like them (the 4xx/5xx per-minute tables keep to DIMENSIONS).
PANEL_COLUMNS: tuple[str, ...] = (
    "method",
    "protocol",
    "host",
    "remote_user",
    "ssl_protocol",
    "ssl_cipher",
    "content_type",
    "upstream_cache_status",
)
#: Dimensions of ``keys`` made from a column: ``file`` (the path of requests
#: other than 404), ``not_found`` (the path of 404s), ``referer_site`` (the
#: referer's host). (Routes are folded from the paths at finalize:
#: :func:`httplog.dashboard.routes`.)
DERIVED: dict[str, str] = {"file": "path", "not_found": "path", "referer_site": "referer"}
#: The parsed columns :func:`aggregate` reads (the others needn't be parsed).
AGGREGATED: tuple[str, ...] = (
    "time",
    "status",
    "bytes",
    *DIMENSIONS,
    *PANEL_COLUMNS,
    *LATENCIES,
    UTC_OFFSET,
)
#: Keys longer than this many bytes (a hostile agent or referer) are cut to
#: their first ``KEY_MAX_BYTES - 1`` characters and "…", so that a summary of
#: ``k`` keys stays small whatever the log holds.
KEY_MAX_BYTES = 2048


def capped(col: str) -> pl.Expr:
    """The column's text, cut with "…" where it is longer than :data:`KEY_MAX_BYTES`.

    >>> s = pl.DataFrame({"a": ["short", "x" * 5000]}).select(capped("a"))["a"]
    >>> s[0], len(s[1]), s[1][-1]
    ('short', 2048, '…')
    """
    c = pl.col(col)
    cut = c.str.slice(0, KEY_MAX_BYTES - 1) + pl.lit("…")
    return pl.when(c.str.len_bytes() > KEY_MAX_BYTES).then(cut).otherwise(c).alias(col)


@dataclass(frozen=True)
class Rows:
    """What every builder reads: the block's rows as one lazy frame with
    ``minute``, ``bot``, ``_bytes`` (0 when unknown) and ``_kind`` (status // 100),
    and which of the dimensions and latencies the log has."""

    frame: pl.LazyFrame
    dimensions: tuple[str, ...]
    latencies: tuple[str, ...]
    #: First group-bys that several builders add up (:func:`first_group_bys`),
    #: collected once: "path", "client", "referer".
    firsts: dict[str, pl.LazyFrame] = field(default_factory=dict)


#: A table's builder: the queries whose results, concatenated, are its rows.
Builder = Callable[[Rows], list[pl.LazyFrame]]


def _counts(r: Rows) -> list[pl.LazyFrame]:
    return [
        r.frame.group_by("minute", "status", "bot").agg(
            requests=pl.len(), bytes=pl.col("_bytes").sum()
        )
    ]


def _latency(r: Rows) -> list[pl.LazyFrame]:
    return [
        r.frame.filter(pl.col(m).is_not_null() & (pl.col(m) >= 0))
        .group_by("minute", bucket=latency_bucket(m), bot="bot")
        .agg(n=pl.len())
        .drop_nulls("bucket")
        .with_columns(metric=pl.lit(m))
        for m in r.latencies
    ]


def _key_sums(r: Rows, *, words: bool = False, by_status: bool = False) -> list[pl.Expr]:
    """The sums of a key's rows; ``by_status``: grouped by status too, so the
    errors are added up from it afterwards (:func:`_summed`), not here."""
    sums = [pl.len().alias("requests"), pl.col("_bytes").sum().alias("bytes")]
    if not by_status:
        sums += [pl.col("_4xx").sum().alias("4xx"), pl.col("_5xx").sum().alias("5xx")]
    if "request_time" in r.latencies:
        rt = pl.col("request_time")
        t = rt.filter(rt.is_finite() & (rt >= 0))
        # (whole microseconds: integer sums are the same whatever the split)
        us = (t * 1_000_000).round().cast(pl.UInt64)
        sums += [t.len().alias("timed"), us.sum().alias("time_us"), t.max().alias("time_max")]
    if words:
        sums += [pl.col(f"_{w}").bitwise_or().alias(w) for w in VISITOR_WORDS]
    return sums


def _words(r: Rows) -> bool:
    """Whether the rows have visitor bitmaps (a log with clients): every key
    of ``keys`` then has its visitors' words, or-ed in its group-by."""
    return "remote_addr" in r.dimensions


def _summed(per: pl.LazyFrame, by: str | pl.Expr, r: Rows, *, words: bool = False) -> pl.LazyFrame:
    """Rows of a first group-by (``requests``, ``bytes``, errors, times,
    visitor bitmaps) added up by ``by``."""
    cols = ["requests", "bytes"]
    cols += ["timed", "time_us"] if "request_time" in r.latencies else []
    if "status" in per.collect_schema():  # (a first group-by by status: errors from it)
        # (a column of each class's requests first: a filter in each group costs more)
        kind = pl.col("status") // 100
        per = per.with_columns(
            (pl.col("requests") * (kind == 4)).alias("4xx"),
            (pl.col("requests") * (kind == 5)).alias("5xx"),
        )
    aggs = [pl.col(c).sum() for c in [*cols, "4xx", "5xx"]]
    if "request_time" in r.latencies:
        aggs.append(pl.col("time_max").max())
    if words:
        aggs += [pl.col(w).bitwise_or() for w in VISITOR_WORDS]
    return per.group_by(key=by, bot="bot").agg(aggs)


#: The cross tables of breakdowns (``cross``), by pair ``key:value``: what a
#: panel's row is made of. Path pairs come from the one group-by per path,
#: the client's from the group-by per client (and one of client and path).
CROSS_PAIRS: tuple[str, ...] = (
    "path:status",
    "path:method",
    "path:protocol",
    "remote_addr:path",
    "remote_addr:status",
    "not_found:referer",
)


def _pairs(
    per: pl.LazyFrame, key: str, values: list[str], grouped: tuple[str, ...] = ()
) -> list[pl.LazyFrame]:
    """Cross-table rows (pair, key, value, bot, requests) of a first group-by
    by ``key`` and each of ``values`` (its rows added up by key and value);
    ``grouped``: the columns ``per`` is grouped by, when known (a value whose
    pair are all of them needs no group-by again)."""
    out = []
    for v in values:
        if sorted(grouped) == sorted([key, v, "bot"]):
            pair = per.select(key, v, "bot", "requests")
        else:
            # (grouped by the value's own type, text afterwards: cheaper than by text)
            pair = per.group_by(key, v, "bot").agg(pl.col("requests").sum())
        out.append(
            pair.drop_nulls(v).select(
                pair=pl.lit(f"{key}:{v}"),
                key=pl.col(key),
                value=pl.col(v).cast(pl.String),
                bot="bot",
                requests="requests",
            )
        )
    return out


def _per_path(r: Rows) -> pl.LazyFrame:
    """The one group-by per path, bot, status (and method, protocol) that the
    path dimensions of ``keys`` and the path's cross tables add up (the same
    plan in both builders: collected together, it runs once)."""
    if "path" in r.firsts:
        return r.firsts["path"]
    mix = [c for c in ("method", "protocol") if c in r.dimensions]
    # (null paths too: the methods and protocols are added up from it)
    sums = _key_sums(r, words=_words(r), by_status=True)
    return r.frame.group_by("path", "bot", "status", *mix).agg(sums)


#: The columns of the one group-by per client.
CLIENT_GROUPS = ("remote_addr", "bot", "status")


def _per_client(r: Rows) -> pl.LazyFrame:
    """The one group-by per client, bot and status (as :func:`_per_path`)."""
    if "client" in r.firsts:
        return r.firsts["client"]
    return (
        r.frame.filter(pl.col("remote_addr").is_not_null())
        .group_by(*CLIENT_GROUPS)
        .agg(_key_sums(r, words=_words(r), by_status=True))
    )


def _per_referer(r: Rows) -> pl.LazyFrame:
    """The one group-by per referer (collected first: the referer's site is
    then read from each distinct referer, not from every row)."""
    if "referer" in r.firsts:
        return r.firsts["referer"]
    return (
        r.frame.filter(pl.col("referer").is_not_null())
        .group_by("referer", "bot")
        .agg(_key_sums(r, words=_words(r)))
    )


def first_group_bys(r: Rows) -> Rows:
    """``r`` with the group-bys per path, per client and per referer collected
    once, for ``keys`` and ``cross`` to add up (one pass over the rows each)."""
    plans = {}
    if "path" in r.dimensions:
        plans["path"] = _per_path(r)
    if "remote_addr" in r.dimensions:
        plans["client"] = _per_client(r)
    if "referer" in r.dimensions:
        plans["referer"] = _per_referer(r)
    if not plans:
        return r
    done = pl.collect_all(list(plans.values()))
    return replace(r, firsts={k: df.lazy() for k, df in zip(plans, done, strict=True)})


def _keys(r: Rows) -> list[pl.LazyFrame]:
    return [q.with_columns(seen=pl.col("requests")) for q in _key_rows(r)]


def _key_rows(r: Rows) -> list[pl.LazyFrame]:
    words = _words(r)
    sums = _key_sums(r, words=words)
    out = [
        r.frame.filter(pl.col(d).is_not_null())
        .group_by(key=d, bot="bot")
        .agg(sums)
        .with_columns(dimension=pl.lit(d))
        for d in r.dimensions
        if d not in ("path", "referer", "remote_addr")
        and not (d in ("method", "protocol") and "path" in r.dimensions)
    ]
    if "remote_addr" in r.dimensions:
        # One group-by per client and status: the clients, and their statuses.
        per = _per_client(r)
        out.append(
            _summed(per, "remote_addr", r, words=words).with_columns(
                dimension=pl.lit("remote_addr")
            )
        )
    if "path" in r.dimensions:
        # One group-by per path and status (and method, protocol): paths, files,
        # not found and the path's cross tables add it up.
        per = _per_path(r)
        paths = per.filter(pl.col("path").is_not_null())
        is_404 = pl.col("status") == 404
        for name, rows in (("path", paths), ("file", paths.filter(~is_404))):
            out.append(_summed(rows, "path", r, words=words).with_columns(dimension=pl.lit(name)))
        out.append(
            _summed(paths.filter(is_404), "path", r, words=words).with_columns(
                dimension=pl.lit("not_found")
            )
        )
        out += [
            _summed(per.filter(pl.col(d).is_not_null()), d, r, words=words).with_columns(
                dimension=pl.lit(d)
            )
            for d in ("method", "protocol")
            if d in r.dimensions
        ]
    if "referer" in r.dimensions:
        # One group-by per referer: the referers, and their sites added up.
        per = _per_referer(r)
        site = pl.col("referer").str.extract(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)", 1)
        out += [
            per.rename({"referer": "key"}).with_columns(dimension=pl.lit("referer")),
            _summed(per.filter(site.is_not_null()), site, r, words=words).with_columns(
                dimension=pl.lit("referer_site")
            ),
        ]
    return out


def _cross(r: Rows) -> list[pl.LazyFrame]:
    """The cross tables of breakdowns (:data:`CROSS_PAIRS` the log has)."""
    out: list[pl.LazyFrame] = []
    dims = r.dimensions
    if "path" in dims:
        mix = [c for c in ("method", "protocol") if c in dims]
        out += _pairs(_per_path(r).filter(pl.col("path").is_not_null()), "path", ["status", *mix])
    if "remote_addr" in dims:
        out += _pairs(_per_client(r), "remote_addr", ["status"], CLIENT_GROUPS)
        if "path" in dims:
            both = pl.col("remote_addr").is_not_null() & pl.col("path").is_not_null()
            per = r.frame.filter(both).group_by("remote_addr", "path", "bot").agg(requests=pl.len())
            out += _pairs(per, "remote_addr", ["path"], ("remote_addr", "path", "bot"))
    if "path" in dims and "referer" in dims:
        broken = (
            (pl.col("status") == 404)
            & pl.col("path").is_not_null()
            & pl.col("referer").is_not_null()
        )
        per = (
            r.frame.filter(broken)
            .group_by("path", "referer", "bot")
            .agg(requests=pl.len())
            .rename({"path": "not_found"})
        )
        out += _pairs(per, "not_found", ["referer"], ("not_found", "referer", "bot"))
    return out


def _key_latency(r: Rows) -> list[pl.LazyFrame]:
    """Per-path histograms of request times (coarse buckets: :data:`KEY_ALPHA`)."""
    if "request_time" not in r.latencies or "path" not in r.dimensions:
        return []
    rt = pl.col("request_time")
    return [
        r.frame.filter(pl.col("path").is_not_null() & rt.is_finite() & (rt >= 0))
        .group_by(key="path", bot="bot", bucket=key_latency_bucket(rt))
        .agg(n=pl.len())
        .with_columns(dimension=pl.lit("path"))
    ]


def _visitors(r: Rows) -> list[pl.LazyFrame]:
    """Visitor hashes per hour: client and agent (GoAccess's visitor, whose
    date comes from the hour), of requests other than 4xx as GoAccess counts."""
    if "remote_addr" not in r.dimensions:
        return []
    # (unique within each hour and bot: cheaper than unique over the three columns)
    return [
        r.frame.filter((pl.col("_kind") != 4) & pl.col("remote_addr").is_not_null())
        .group_by(hour=pl.col("minute").dt.truncate("1h"), bot="bot")
        .agg(visitor=pl.col("_visitor").unique())
        .explode("visitor")
    ]


def _error_keys(r: Rows) -> list[pl.LazyFrame]:
    errs = r.frame.filter(pl.col("_kind").is_in([4, 5]))
    return [
        errs.filter(pl.col(d).is_not_null())
        .group_by("minute", "_kind", key=d, bot="bot")
        .agg(requests=pl.len())
        .with_columns(dimension=pl.lit(d), kind=pl.format("{}xx", "_kind"))
        for d in r.dimensions
        if d in DIMENSIONS
    ]


def _offsets(r: Rows) -> list[pl.LazyFrame]:
    if UTC_OFFSET not in r.frame.collect_schema():
        return []
    return [
        r.frame.filter(pl.col(UTC_OFFSET).is_not_null())
        .group_by(offset=UTC_OFFSET)
        .agg(lines=pl.len())
    ]


def _host_counts(r: Rows) -> list[pl.LazyFrame]:
    """Requests, 4xx and 5xx per minute and virtual host (logs with a host)."""
    if "host" not in r.dimensions:
        return []
    kind = pl.col("_kind")
    return [
        r.frame.filter(pl.col("host").is_not_null())
        .group_by("minute", "host", "bot")
        .agg(requests=pl.len(), **{"4xx": (kind == 4).sum(), "5xx": (kind == 5).sum()})
    ]


#: How each table of requests is built (the tables of lines — ``rejected``,
#: ``samples``, ``chunks`` — come from the block's accounting instead).
BUILDERS: dict[str, Builder] = {
    "counts": _counts,
    "latency": _latency,
    "keys": _keys,
    "error_keys": _error_keys,
    "offsets": _offsets,
    "visitors": _visitors,
    "host_counts": _host_counts,
    "key_latency": _key_latency,
    "cross": _cross,
}


def table_plan(t: Table, parts: list[pl.LazyFrame]) -> pl.LazyFrame:
    """The query of a table made of the queries ``parts``: each cast to the
    table's columns (a column no part has: 0 where it sums, as merged sums of
    nothing are, else null; one that only some parts have: null in the others),
    concatenated; a minute table sorted by its keys."""
    names = [set(q.collect_schema().names()) for q in parts]
    anywhere = set().union(*names)
    plans = []
    for q, have in zip(parts, names, strict=True):
        lacking = [
            pl.lit(0 if t.merge.get(c) == "sum" and c not in anywhere else None).alias(c)
            for c in t.columns
            if c not in have
        ]
        plans.append(q.with_columns(lacking).select(t.cast()))
    plan = plans[0] if len(plans) == 1 else pl.concat(plans)
    return plan.sort(list(t.keys)) if t.by_minute else plan


def key_hll(keys: pl.DataFrame) -> pl.DataFrame:
    """Registers of each dimension's distinct keys, from the block's keys (so
    distinct counts stay estimates within 0.8% beyond the bound of ``keys``).
    (Streamed: the in-memory engine holds a copy of the key texts while it
    hashes them, 50-75 MB for a block of all-new keys.)"""
    reg, rank = hll_register(pl.col("key").hash(HASH_SEED), KEYS_P)
    return keys.lazy().group_by("dimension", "bot", reg).agg(rank.max()).collect(engine="streaming")
