"""Mergeable sketches: latency histograms in log-scaled buckets (the DDSketch mapping).

A latency ``x > 0`` (seconds) falls in bucket ``ceil(log(x) / log(GAMMA))`` and
is read back as the bucket's midpoint ``2·GAMMA^k / (GAMMA + 1)``, within
:data:`ALPHA` (1%) of every value in the bucket; zero has a bucket of its own
(:data:`ZERO_BUCKET`, read back as exactly 0). Bucket counts add, so the
histograms of any split of the input merge into the histogram of the whole,
and :func:`bucket_quantiles` reads quantiles off any merged histogram.

Examples
--------
>>> import polars as pl
>>> h = pl.DataFrame({"x": [0.0, 0.25, 2.0, 2.0]}).select(
...     g=pl.lit("a"), bucket=latency_bucket("x"), n=pl.lit(1, pl.UInt64)
... )
>>> q = bucket_quantiles(h, "g", (0.5,))
>>> round(q["p50"][0], 2)
0.25
"""

from __future__ import annotations

import math

import polars as pl

#: Relative error of latency percentiles.
ALPHA = 0.01
GAMMA = (1 + ALPHA) / (1 - ALPHA)
#: Bucket of latencies of exactly zero.
ZERO_BUCKET = -(2**31) + 1


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


def quantile_name(q: float) -> str:
    """``0.99`` → ``p99``."""
    return f"p{q * 100:g}"


def bucket_quantiles(h: pl.DataFrame, by: str, qs: tuple[float, ...]) -> pl.DataFrame:
    """Quantiles per group ``by`` of histogram rows (``by``, ``bucket``, ``n``).

    The q-quantile is the value of the bucket holding the ``ceil(q * n)``-th
    smallest value (nearest rank), so it is within ALPHA of the exact
    nearest-rank quantile; zeros are exactly 0. Columns: ``by`` and one
    ``p50``-style column per quantile, sorted by ``by``.
    """
    h = (
        h.group_by(by, "bucket")
        .agg(n=pl.col("n").sum())
        .sort(by, "bucket")
        .with_columns(cum=pl.col("n").cum_sum().over(by), total=pl.col("n").sum().over(by))
    )
    cols = []
    for q in qs:
        # ceil(q * total) in integers (parts per million), free of float rounding.
        ppm = round(q * 1_000_000)
        rank = ((pl.col("total") * ppm + 999_999) // 1_000_000).clip(lower_bound=1)
        first = pl.col("bucket").filter(pl.col("cum") >= rank).first()
        cols.append(bucket_value(first).alias(quantile_name(q)))
    return h.group_by(by).agg(cols).sort(by)


# ------------------------------------------------------- Misra–Gries summaries


def misra_gries(
    df: pl.DataFrame, groups: list[str], counter: str, k: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Prune a table of keyed counters to at most ``k`` keys per group (one
    Misra–Gries merge step); returns the kept rows and the amount subtracted
    per pruned group (columns ``groups`` and ``delta``).

    In each group of more than ``k`` rows the ``(k+1)``-th largest counter is
    subtracted from every counter of the group and rows left at 0 or below are
    dropped. Summed over every prune a group ever had, ``delta`` bounds the
    error: a kept key's true count is within ``[counter, counter + delta]``,
    a dropped key's at most ``delta`` (Agarwal et al., *Mergeable summaries*,
    2012). A group that never had more than ``k`` keys is exact (delta 0) and
    untouched; rows keep their order (the other columns are left as they are:
    sums observed while the key was kept).

    >>> t = pl.DataFrame({"g": ["a"] * 4 + ["b"], "key": list("wxyzw"), "n": [5, 3, 2, 1, 7]})
    >>> kept, cut = misra_gries(t, ["g"], "n", 2)
    >>> kept.rows(), cut.rows()
    ([('a', 'w', 3), ('a', 'x', 1), ('b', 'w', 7)], [('a', 2)])
    """
    none = df.select(*groups).clear().with_columns(delta=pl.lit(0, pl.UInt64))
    if df.height <= k:
        return df, none
    lens = df.group_by(groups).agg(_n=pl.len())
    big = lens.filter(pl.col("_n") > k)
    if big.is_empty():
        return df, none
    kth = (
        df.join(big.select(groups), on=groups, how="semi")
        .group_by(groups)
        .agg(_kth=pl.col(counter).top_k(k + 1).min().cast(pl.Int64))
    )
    dtype = df.schema[counter]
    c = pl.col(counter).cast(pl.Int64)  # (UInt64 would wrap below zero)
    kept = (
        df.join(kth, on=groups, how="left", maintain_order="left")
        .with_columns(pl.col("_kth").fill_null(0))
        .filter(c > pl.col("_kth"))
        .with_columns((c - pl.col("_kth")).cast(dtype).alias(counter))
        .drop("_kth")
    )
    cut = kth.select(*groups, delta=pl.col("_kth").cast(pl.UInt64))
    return kept, cut
