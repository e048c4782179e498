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
