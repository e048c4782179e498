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
from collections import Counter

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


#: Relative error of the per-key latency percentiles (coarser buckets than the
#: timeline's: a key's histogram has about ten times fewer rows).
KEY_ALPHA = 0.05
KEY_GAMMA = (1 + KEY_ALPHA) / (1 - KEY_ALPHA)
#: The dtype of a per-key bucket, and the bucket of zeros.
KEY_LATENCY_BUCKET = pl.Int16()
KEY_ZERO_BUCKET = -(2**15) + 1


def key_latency_bucket(col: str | pl.Expr) -> pl.Expr:
    """The coarser bucket of a latency for per-key histograms (:data:`KEY_ALPHA`,
    5%): ``ceil(log(x) / log(KEY_GAMMA))``, zero in :data:`KEY_ZERO_BUCKET`,
    null for null, negative, NaN or infinite values.

    >>> pl.select(a=key_latency_bucket(pl.lit(0.0)), b=key_latency_bucket(pl.lit(1.0))).row(0)
    (-32767, 0)
    """
    x = pl.col(col) if isinstance(col, str) else col
    b = (x.log() / math.log(KEY_GAMMA)).ceil()
    return (
        pl.when(x.is_null() | (x < 0) | x.is_nan() | x.is_infinite())
        .then(None)
        .when(x == 0)
        .then(pl.lit(KEY_ZERO_BUCKET))
        .otherwise(b.clip(-32000, 32000))
        .cast(KEY_LATENCY_BUCKET)
    )


def bucket_value(col: str | pl.Expr, gamma: float = GAMMA) -> pl.Expr:
    """The value a bucket stands for (within ALPHA of every value in it).

    >>> x = pl.Series("x", [0.0, 0.123, 42.0]).to_frame()
    >>> got = x.select(v=bucket_value(latency_bucket("x")))["v"].to_list()
    >>> got[0], all(abs(g / v - 1) <= ALPHA for g, v in zip(got[1:], [0.123, 42.0]))
    (0.0, True)
    """
    b = pl.col(col) if isinstance(col, str) else col
    zero = ZERO_BUCKET if gamma == GAMMA else KEY_ZERO_BUCKET
    return (
        pl.when(b == zero)
        .then(0.0)
        .otherwise(2 * pl.lit(gamma).pow(b.cast(pl.Float64)) / (gamma + 1))
    )


def quantile_name(q: float) -> str:
    """``0.99`` → ``p99``."""
    return f"p{q * 100:g}"


def bucket_quantiles(
    h: pl.DataFrame, by: str | list[str], qs: tuple[float, ...], gamma: float = GAMMA
) -> pl.DataFrame:
    """Quantiles per group ``by`` of histogram rows (``by``, ``bucket``, ``n``).

    The q-quantile is the value of the bucket holding the ``ceil(q * n)``-th
    smallest value (nearest rank), so it is within ALPHA of the exact
    nearest-rank quantile (:data:`KEY_ALPHA` with ``gamma`` :data:`KEY_GAMMA`,
    the per-key buckets); zeros are exactly 0. Columns: ``by`` and one
    ``p50``-style column per quantile, sorted by ``by``.
    """
    by = [by] if isinstance(by, str) else by
    h = (
        h.group_by(*by, "bucket")
        .agg(n=pl.col("n").sum())
        .sort(*by, "bucket")
        .with_columns(cum=pl.col("n").cum_sum().over(by), total=pl.col("n").sum().over(by))
    )
    cols = []
    for q in qs:
        # ceil(q * total) in integers (parts per million), free of float rounding.
        ppm = round(q * 1_000_000)
        rank = ((pl.col("total") * ppm + 999_999) // 1_000_000).clip(lower_bound=1)
        first = pl.col("bucket").filter(pl.col("cum") >= rank).first()
        cols.append(bucket_value(first, gamma).alias(quantile_name(q)))
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
    # (from the schema: a select of an empty slice costs about 2 ms a call on a big table)
    none = pl.DataFrame(schema={**{g: df.schema[g] for g in groups}, "delta": pl.UInt64()})
    if df.height <= k:
        return df, none
    lens = df.group_by(groups).agg(_n=pl.len())
    big = lens.filter(pl.col("_n") > k)
    if big.is_empty():
        return df, none
    dtype = df.schema[counter]
    c = pl.col(counter).cast(pl.Int64)  # (UInt64 would wrap below zero)
    if big.height <= MASKED_GROUPS:
        # (a group with a null is never pruned, as the join below has it)
        return _pruned_by_masks(df, big.select(groups).drop_nulls(), c, k, dtype)
    # (lazy: the engine's group-bys and joins of text keys are cheaper than eager ones)
    kth = (
        df.lazy()
        .join(big.lazy().select(groups), on=groups, how="semi")
        .group_by(groups)
        .agg(_kth=pl.col(counter).top_k(k + 1).min().cast(pl.Int64))
        .collect(engine="streaming")
    )
    kept = (
        df.lazy()
        .join(kth.lazy(), on=groups, how="left", maintain_order="left")
        .with_columns(pl.col("_kth").fill_null(0))
        .filter(c > pl.col("_kth"))
        .with_columns((c - pl.col("_kth")).cast(dtype).alias(counter))
        .drop("_kth")
        .collect()
    )
    cut = kth.select(*groups, delta=pl.col("_kth").cast(pl.UInt64))
    return kept, cut


#: Pruned groups up to which :func:`misra_gries` picks each group's rows with a
#: mask (a comparison per row and group) instead of joining the table with its
#: groups' thresholds (a hash of every row's group: several times dearer).
MASKED_GROUPS = 8


def _pruned_by_masks(
    df: pl.DataFrame, big: pl.DataFrame, c: pl.Expr, k: int, dtype: pl.DataType
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`misra_gries` of the groups of ``big`` (few), each picked by a mask."""
    masks = [
        pl.all_horizontal(pl.col(g).eq_missing(pl.lit(v, df.schema[g])) for g, v in row.items())
        for row in big.iter_rows(named=True)
    ]
    found = df.select(c.filter(m).top_k(k + 1).min().alias(f"_{i}") for i, m in enumerate(masks))
    kths = list(found.row(0)) if masks else []  # (null: nothing subtracted, as by a join)
    kth: pl.Expr = pl.lit(0, pl.Int64)  # (a group within its bound: rows above 0 stay)
    for m, v in zip(reversed(masks), reversed(kths), strict=True):
        kth = pl.when(m).then(pl.lit(v if v is not None else 0, pl.Int64)).otherwise(kth)
    kept = df.filter(c > kth).with_columns((c - kth).cast(dtype).alias(c.meta.output_name()))
    cut = big.with_columns(delta=pl.Series(kths, dtype=pl.UInt64))
    return kept, cut


# ------------------------------------------------------------- HyperLogLog

#: Registers of the visitor sketches per hour: 2**12 (1.04/√4096 ≈ 1.6% standard error).
VISITORS_P = 12
#: Registers of the distinct-key sketches per dimension: 2**14 (≈ 0.81%).
KEYS_P = 14
#: Seed of every hash a sketch is made of (hashes of other seeds don't merge).
HASH_SEED = 0x68747470  # "http"


#: How the hashes are made from the columns (part of :func:`hash_id`): ``xor``, a
#: visitor is the hash of its client xor that of its agent (:func:`visitor_hash`).
HASH_SCHEME = "xor"


def hash_id() -> str:
    """What the hashes in a partial depend on: polars documents ``Expr.hash``
    as stable within one version only, so sketches made by another polars
    version, seed or :data:`HASH_SCHEME` must not be merged
    (:class:`httplog.errors.StateError`).

    >>> hash_id().startswith("polars-")
    True
    """
    return f"polars-{pl.__version__}-seed{HASH_SEED}-{HASH_SCHEME}"


def visitor_hash(addr: pl.Expr, agent: pl.Expr) -> pl.Expr:
    """The UInt64 hash of a visitor (client, agent): each column hashed on its
    own (of another seed, so that equal texts don't cancel) and xor-ed, about 3
    times cheaper than the hash of a struct of the two.

    >>> df = pl.DataFrame({"a": ["192.0.2.1", "192.0.2.1"], "u": ["x", None]})
    >>> h = df.select(v=visitor_hash(pl.col("a"), pl.col("u")))["v"]
    >>> h.dtype, h.n_unique()
    (UInt64, 2)
    """
    return addr.hash(HASH_SEED) ^ agent.hash(HASH_SEED + 1)


def standard_error(p: int) -> float:
    """The relative standard error of a HyperLogLog of ``2**p`` registers.

    >>> round(standard_error(12), 4)
    0.0163
    """
    return 1.04 / math.sqrt(1 << p)


def hll_register(h: str | pl.Expr, p: int) -> tuple[pl.Expr, pl.Expr]:
    """``reg`` (the top ``p`` bits) and ``rank`` (leading zeros of the rest, + 1)
    of a UInt64 hash (polars has no bit shifts on expressions: powers of two).

    >>> reg, rank = hll_register(pl.lit(2**63, pl.UInt64), 4)
    >>> pl.select(reg=reg, rank=rank).row(0)
    (8, 61)
    """
    x = pl.col(h) if isinstance(h, str) else h
    low = x % (1 << (64 - p))
    reg = (x // (1 << (64 - p))).cast(pl.UInt16).alias("reg")
    rank = (
        (low.bitwise_leading_zeros().cast(pl.Int32) - p + 1)
        .clip(upper_bound=64 - p + 1)
        .cast(pl.UInt8)
        .alias("rank")
    )
    return reg, rank


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        z_prev = z
        z += x * y
        y += y
        if z == z_prev:
            return z


def _tau(x: float) -> float:
    if x in (0.0, 1.0):
        return 0.0
    y, z = 1.0, 1 - x
    while True:
        x = math.sqrt(x)
        z_prev = z
        y *= 0.5
        z -= (1 - x) ** 2 * y
        if z == z_prev:
            return z / 3


def hll_estimate(ranks: list[int], p: int) -> float:
    """The cardinality estimate of a sketch from its non-empty registers' ranks
    (Ertl's improved estimator, arXiv:1702.01284: no bias at the small/large
    transition, no thresholds).

    >>> round(hll_estimate([], 12)), round(hll_estimate([1] * 100, 12))
    (0, 101)
    """
    m, q = 1 << p, 64 - p
    c = [0] * (q + 2)
    for r, count in Counter(ranks).items():  # (a few distinct ranks: no loop over registers)
        c[min(r, q + 1)] += count
    c[0] = m - len(ranks)
    z = m * _tau(1 - c[q + 1] / m)
    for k in range(q, 0, -1):
        z = 0.5 * (z + c[k])
    z += m * _sigma(c[0] / m)
    return m * m / (2 * math.log(2)) / z


def distinct(
    exact: pl.DataFrame, registers: pl.DataFrame, by: list[str], value: str, p: int
) -> pl.DataFrame:
    """Distinct values per group ``by``: exact from ``exact`` (``by`` and the
    hashed ``value``) where a group has no registers, else the HyperLogLog
    estimate of the group's registers (``by``, ``reg``, ``rank``) with the exact
    hashes added in. Columns: ``by``, ``distinct`` (UInt64), ``estimate`` (bool).

    >>> ex = pl.DataFrame({"g": ["a", "a", "b"], "v": pl.Series([1, 2, 2], dtype=pl.UInt64)})
    >>> regs = pl.DataFrame(schema={"g": pl.String, "reg": pl.UInt16, "rank": pl.UInt8})
    >>> distinct(ex, regs, ["g"], "v", 12).rows()
    [('a', 2, False), ('b', 1, False)]
    """
    schema = {**{c: exact.schema.get(c, registers.schema.get(c)) for c in by}}
    sketched = registers.select(by).unique()
    as_regs = exact.join(sketched, on=by, how="semi").select(*by, *hll_register(value, p))
    regs = (
        pl.concat([registers.select(*by, "reg", "rank"), as_regs])
        .group_by(*by, "reg")
        .agg(pl.col("rank").max())
    )
    counted = (
        exact.join(sketched, on=by, how="anti")
        .group_by(by)
        .agg(distinct=pl.col(value).n_unique().cast(pl.UInt64))
        .with_columns(estimate=pl.lit(False))
    )
    rows = [
        (
            *(key if isinstance(key, tuple) else (key,)),
            round(hll_estimate(g["rank"].to_list(), p)),
            True,
        )
        for key, g in regs.group_by(by)
    ]
    est = pl.DataFrame(
        rows, schema={**schema, "distinct": pl.UInt64(), "estimate": pl.Boolean()}, orient="row"
    )
    return pl.concat([counted.select(est.columns).cast(est.schema), est]).sort(by)


# ------------------------------------------------- visitors per key (bitmaps)

#: Columns of a key's visitor bitmap: one 64-bit word per sampling level
#: (level ``j`` holds the visitors whose hash falls in 1 of ``8**j``).
VISITOR_WORDS: tuple[str, ...] = tuple(f"v{j}" for j in range(5))
#: The relative standard error of :func:`bitmap_estimate`, at most (measured
#: over 20 seeds: about 10% up to 100 visitors, 15-25% from hundreds to a
#: hundred thousand, where a sampled level of the bitmap is read).
BITMAP_ERROR = 0.25
_BITS = pl.Series([2**i for i in range(64)], dtype=pl.UInt64)


def visitor_words(frame: pl.LazyFrame, h: pl.Expr, keep: pl.Expr, prefix: str = "") -> pl.LazyFrame:
    """``frame`` with the words of each row's bitmap (``prefix`` + ``v0`` …):
    the bit ``h % 64`` of the UInt64 hash ``h`` in every level ``j`` that the
    hash's level (leading zeros of the rest, in threes) reaches; all zero
    where ``keep`` is false. The bitmap of many visitors is the bitwise or of
    theirs, so bitmaps merge (``or``) whatever the split. (Columns first, then
    arithmetic: about 5 times cheaper than a ``when`` per word.)

    >>> f = pl.LazyFrame({"h": pl.Series([2**63 + 5], dtype=pl.UInt64)})
    >>> visitor_words(f, pl.col("h"), pl.lit(True)).drop("h").collect().row(0)
    (32, 0, 0, 0, 0)
    """
    bit = pl.lit(_BITS).gather((pl.col("_h") % 64).cast(pl.UInt32)) * pl.col("_keep")
    level = ((pl.col("_h") // 64).bitwise_leading_zeros().cast(pl.Int32) - 6) // 3
    return (
        frame.with_columns(_h=h, _keep=keep.fill_null(False).cast(pl.UInt64))
        .with_columns(_bit=bit, _level=level)
        .with_columns(
            (pl.col("_bit") * (pl.col("_level") >= j).cast(pl.UInt64)).alias(prefix + w)
            for j, w in enumerate(VISITOR_WORDS)
        )
        .drop("_h", "_keep", "_bit", "_level")
    )


def visitors_within(most: pl.Expr) -> pl.Expr:
    """:func:`bitmap_estimate` rounded, and never above ``most`` (the requests
    its visitors were counted from: an estimate above them is impossible);
    null where there is no bitmap.

    >>> w = {"v0": [0b1011, None], **{f"v{j}": [0, None] for j in range(1, 5)}}
    >>> f = pl.DataFrame(w, schema=dict.fromkeys(VISITOR_WORDS, pl.UInt64))
    >>> f.with_columns(n=pl.lit(2)).select(visitors_within(pl.col("n")))["visitors"].to_list()
    [2, None]
    """
    est = bitmap_estimate().round()
    capped = pl.min_horizontal(est, most.cast(pl.Float64).clip(lower_bound=0))
    return pl.when(est.is_null()).then(None).otherwise(capped).cast(pl.UInt64).alias("visitors")


def bitmap_estimate() -> pl.Expr:
    """Distinct visitors from the words of a bitmap (:func:`visitor_words`):
    linear counting, ``8**j * 64 * ln(64 / zeros_j)``, at the first level
    ``j`` with at least 4 zero bits; null where there is no bitmap. Within
    :data:`BITMAP_ERROR` (one relative standard error); a bitmap full at
    every level (over a million visitors) gives its largest count.

    >>> w = [pl.lit(0b1011, pl.UInt64), *[pl.lit(0, pl.UInt64)] * 4]
    >>> round(
    ...     pl.select(pl.struct(**dict(zip(VISITOR_WORDS, w))).alias("v"))
    ...     .select(pl.col("v").struct.unnest())
    ...     .select(bitmap_estimate())
    ...     .item(),
    ...     2,
    ... )
    3.07
    """
    out: pl.Expr = pl.lit(None, pl.Float64)
    for j in reversed(range(len(VISITOR_WORDS))):
        zeros = 64 - pl.col(VISITOR_WORDS[j]).bitwise_count_ones().cast(pl.Int32)
        zeros = zeros.clip(lower_bound=1) if j == len(VISITOR_WORDS) - 1 else zeros
        est = (8.0**j) * 64 * (64 / zeros.cast(pl.Float64)).log()
        out = pl.when(zeros >= (1 if j == len(VISITOR_WORDS) - 1 else 4)).then(est).otherwise(out)
    return pl.when(pl.col(VISITOR_WORDS[0]).is_null()).then(None).otherwise(out).alias("visitors")
