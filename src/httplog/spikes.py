"""Error spikes: windows whose 5xx (or 4xx) rate stands out, merged and explained.

Method (parameters in :class:`SpikeParams`):

1. For each window, the *baseline* is the rolling median of the error rate
   over the ``history`` windows before it (windows with fewer than
   ``min_requests`` requests don't count); where fewer than ``min_history``
   such windows exist, the median over the whole span is used instead.
   The spread is the median absolute deviation (MAD) of those earlier rates.
2. A window is *anomalous* when it has at least ``min_requests`` requests and
   ``min_errors`` errors, and its rate exceeds the baseline by more than the
   largest of ``mad_k × 1.4826 × MAD``, ``z`` binomial standard errors
   (``sqrt(b(1-b)/n)``) and ``min_delta``, and is at least ``min_ratio`` times
   the baseline. The volume guards keep a quiet night with 1 error in 2
   requests from being a spike.
3. Adjacent anomalous windows merge into one spike with its start, end, peak
   rate, baseline rate (the first window's) and excess errors
   (``Σ errors − baseline × requests``).
4. Each spike is explained by comparing, per dimension (status code, path,
   client, user agent, referer, upstream), the share of the spike's errors a
   key holds with its share of the errors in the ``history`` windows before
   the spike: ``lift = share / baseline_share`` and ``excess = count −
   baseline_share × spike errors``; keys are ranked by excess.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, timedelta, UTC
>>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
>>> tl = pl.DataFrame({
...     "start": [t0 + timedelta(minutes=5 * i) for i in range(30)],
...     "requests": [100] * 30,
...     "4xx": [2] * 30,
...     "5xx": [1] * 20 + [40, 45] + [1] * 8,
... })
>>> s = find_spikes(tl.with_columns(end=pl.col("start") + pl.duration(minutes=5)))
>>> s.select("kind", "windows", "errors").rows()
[('5xx', 2, 85)]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from httplog.aggregate import Partial, window_minutes
from httplog.statuscodes import status_class_expr

SPIKE_SCHEMA = {
    "spike": pl.UInt32,
    "kind": pl.String,
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "windows": pl.UInt32,
    "requests": pl.UInt64,
    "errors": pl.UInt64,
    "peak_rate": pl.Float64,
    "baseline_rate": pl.Float64,
    "excess": pl.UInt64,
}

EXPLANATION_SCHEMA = {
    "spike": pl.UInt32,
    "dimension": pl.String,
    "rank": pl.UInt32,
    "key": pl.String,
    "count": pl.UInt64,
    "share": pl.Float64,
    "baseline_count": pl.UInt64,
    "baseline_share": pl.Float64,
    "lift": pl.Float64,
    "excess": pl.Float64,
}


@dataclass(frozen=True)
class SpikeParams:
    """Parameters of spike detection (see the module docstring)."""

    history: int = 48
    min_history: int = 8
    min_requests: int = 20
    min_errors: int = 5
    mad_k: float = 5.0
    z: float = 4.0
    min_delta: float = 0.02
    min_ratio: float = 1.5
    kinds: tuple[str, ...] = ("5xx", "4xx")
    top: int = 5


def flag_windows(timeline: pl.DataFrame, kind: str, p: SpikeParams | None = None) -> pl.DataFrame:
    """The timeline with ``rate``, ``baseline``, ``threshold`` and ``anomalous`` for one kind."""
    p = p or SpikeParams()
    n, e = pl.col("requests"), pl.col(kind)
    rate = pl.when(n > 0).then(e / n).otherwise(None)
    df = timeline.sort("start").with_columns(rate=rate)
    usable = pl.when(n >= p.min_requests).then(pl.col("rate"))
    global_median = df.filter(pl.col("requests") >= p.min_requests)["rate"].median() or 0.0
    prev = usable.shift(1)
    df = df.with_columns(
        _prev=prev,
        _base=prev.rolling_median(p.history, min_samples=p.min_history),
    ).with_columns(baseline=pl.col("_base").fill_null(global_median))
    df = df.with_columns(
        _dev=(pl.col("_prev") - pl.col("baseline")).abs(),
    ).with_columns(
        mad=pl.col("_dev").rolling_median(p.history, min_samples=p.min_history).fill_null(0.0)
    )
    b = pl.col("baseline")
    noise = (b * (1 - b) / pl.max_horizontal(n, pl.lit(1))).sqrt()
    margin = pl.max_horizontal(p.mad_k * 1.4826 * pl.col("mad"), p.z * noise, pl.lit(p.min_delta))
    df = df.with_columns(threshold=b + margin)
    anomalous = (
        (n >= p.min_requests)
        & (e >= p.min_errors)
        & (pl.col("rate") > pl.col("threshold"))
        & (pl.col("rate") >= p.min_ratio * b)
    ).fill_null(False)
    return df.with_columns(anomalous=anomalous).drop("_prev", "_base", "_dev")


def find_spikes(timeline: pl.DataFrame, params: SpikeParams | None = None) -> pl.DataFrame:
    """Spikes of each kind in a timeline (columns of :data:`SPIKE_SCHEMA`), by start.

    ``start``/``end`` keep the timeline's time zone.
    """
    p = params or SpikeParams()
    tz = timeline.schema["start"].time_zone if "start" in timeline.schema else "UTC"  # type: ignore[attr-defined]
    schema = {**SPIKE_SCHEMA, "start": pl.Datetime("us", tz), "end": pl.Datetime("us", tz)}
    out = []
    for kind in p.kinds:
        if kind not in timeline.columns or timeline.is_empty():
            continue
        df = flag_windows(timeline, kind, p)
        a = pl.col("anomalous")
        df = df.with_columns(_id=(a & ~a.shift(1, fill_value=False)).cum_sum()).filter(a)
        if df.is_empty():
            continue
        spikes = df.group_by("_id").agg(
            kind=pl.lit(kind),
            start=pl.col("start").min(),
            end=pl.col("end").max(),
            windows=pl.len().cast(pl.UInt32),
            requests=pl.col("requests").sum().cast(pl.UInt64),
            errors=pl.col(kind).sum().cast(pl.UInt64),
            peak_rate=pl.col("rate").max(),
            baseline_rate=pl.col("baseline").sort_by("start").first(),
            excess=(pl.col(kind) - pl.col("baseline") * pl.col("requests"))
            .sum()
            .round(0)
            .clip(lower_bound=0)
            .cast(pl.UInt64),
        )
        out.append(spikes.drop("_id"))
    if not out:
        return pl.DataFrame(schema=schema)
    res = pl.concat(out).sort("start", "kind")
    return res.with_columns(spike=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32)).select(
        [pl.col(c).cast(t) for c, t in schema.items()]
    )


def explain_spikes(
    p: Partial,
    spikes: pl.DataFrame,
    timeline: pl.DataFrame | None = None,
    *,
    every: str,
    tz: str = "UTC",
    params: SpikeParams | None = None,
) -> pl.DataFrame:
    """Over-represented keys of each spike (columns of :data:`EXPLANATION_SCHEMA`)."""
    params = params or SpikeParams()
    frames = [
        explain_spike(p, row, every=every, params=params) for row in spikes.iter_rows(named=True)
    ]
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=EXPLANATION_SCHEMA)
    return pl.concat(frames).sort("spike", "dimension", "rank")


def explain_spike(
    p: Partial, spike: dict[str, object], *, every: str, params: SpikeParams | None = None
) -> pl.DataFrame:
    """Explain one spike (a row of :func:`find_spikes` as a dict)."""
    params = params or SpikeParams()
    kind = str(spike["kind"])
    start = pl.lit(spike["start"]).dt.convert_time_zone("UTC")
    end = pl.lit(spike["end"]).dt.convert_time_zone("UTC")
    back = timedelta(minutes=window_minutes(every) * params.history)
    base_start = pl.lit(spike["start"]).dt.convert_time_zone("UTC") - back
    m = pl.col("minute")
    in_spike = (m >= start) & (m < end)
    in_base = (m >= base_start) & (m < start)
    status = (
        p.counts.filter(status_class_expr("status") == kind)
        .select("minute", dimension=pl.lit("status"), key=pl.col("status").cast(pl.String), requests="requests")
    )
    errs = p.error_keys.filter(pl.col("kind") == kind).select("minute", "dimension", "key", "requests")
    rows = pl.concat([status, errs])
    spike_tab = rows.filter(in_spike).group_by("dimension", "key").agg(count=pl.col("requests").sum())
    base_tab = rows.filter(in_base).group_by("dimension", "key").agg(
        baseline_count=pl.col("requests").sum()
    )
    t = (
        spike_tab.join(base_tab, on=["dimension", "key"], how="left")
        .with_columns(pl.col("baseline_count").fill_null(0))
        .with_columns(
            _tot=pl.col("count").sum().over("dimension"),
            _btot=pl.col("baseline_count").sum().over("dimension"),
        )
        .with_columns(
            share=pl.col("count") / pl.col("_tot"),
            baseline_share=pl.when(pl.col("_btot") > 0)
            .then(pl.col("baseline_count") / pl.col("_btot"))
            .otherwise(0.0),
        )
        .with_columns(
            lift=pl.col("share")
            / pl.max_horizontal(pl.col("baseline_share"), 1 / (pl.col("_btot") + 1)),
            excess=pl.col("count") - pl.col("baseline_share") * pl.col("_tot"),
        )
        .sort(["excess", "count", "key"], descending=[True, True, False])
        .group_by("dimension", maintain_order=True)
        .head(params.top)
        .with_columns(
            spike=pl.lit(spike["spike"]),
            rank=pl.int_range(1, pl.len() + 1).over("dimension"),
        )
    )
    return t.select([pl.col(c).cast(dt) for c, dt in EXPLANATION_SCHEMA.items()])
