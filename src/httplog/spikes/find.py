"""Error spikes found: windows whose 5xx (or 4xx) rate stands out, merged.

Method (parameters in :class:`SpikeParams`), run on a timeline of windows,
separately for 5xx and for 4xx, window after window in time order:

1. *Baseline.* The expected error rate ``b`` of a window is the errors over
   the requests of the ``history`` windows before it, leaving out windows
   already found anomalous, so that a burst does not raise its own baseline.
   With fewer than ``min_history`` normal windows there, all of them count
   (a burst that lasts ``history`` windows becomes the new normal). At the
   very start of a log, the windows of the whole span make the baseline,
   less the tenth with the highest rates (which would hold a burst).
   Pooling errors and requests (rather than taking a median of per-window
   rates) keeps the baseline right for quiet windows whose rates are
   mostly 0. ``history`` counts windows: 4 hours of 5-minute windows, two
   days of hourly ones.
2. *Noise.* Errors are counts: the window's errors ``e`` are compared with
   the expected ``n × b`` by the Freeman-Tukey deviate
   ``sqrt(e) + sqrt(e + 1) - sqrt(4 n b + 1)``, close to a standard normal
   for Poisson counts even when they are small. Real traffic is noisier
   than Poisson (errors come in clusters, rates drift), so the deviate is
   divided by the square root of the *dispersion*: the mean squared Pearson
   residual of the baseline windows (each capped at ``z²``), at least 1.
   The *spread* is the median absolute deviation (MAD) of the rates of the
   baseline windows with at least ``min_requests`` requests.
3. *Anomalous window*: at least ``min_requests`` requests and ``min_errors``
   errors; a deviate of at least ``z``; and a rate above all of
   ``b + mad_k × 1.4826 × MAD``, ``b + min_delta`` and ``min_ratio × b``.
   The volume guards keep a quiet night with 1 error in 2 requests from
   being a spike; ``min_delta`` and ``min_ratio`` keep tiny but significant
   moves of a busy site from being reported.
4. Adjacent anomalous windows merge into one spike with its start, end,
   peak rate, baseline rate (the first window's) and excess errors
   (``Σ errors − baseline × requests``).
5. *Explanation.* For each spike and dimension (status code, path, client,
   user agent, referer, upstream), each key's share of the spike's errors is
   compared with its share of the baseline errors: the errors of the same
   kind outside every spike of that kind. ``lift = share / baseline_share``
   and ``excess = count − baseline_share × spike errors``; keys are ranked
   by excess (the errors the key accounts for beyond its usual share).

The defaults were tuned on generated traffic (``tests/test_spikes.py``):
weeks of 5-minute windows with diurnal volume (a few to a few hundred
requests per window), 4xx and 5xx in clusters, error rates drifting ±30%
from hour to hour. Over 20 such weeks at three volumes (5m, 1h and 1m
windows) the largest deviate of a window passing every other test was 4.2:
``z = 5`` leaves a margin, and every injected burst (down to 5 errors a
minute on 30 requests a minute, 15%) is found with its boundaries.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, timedelta, UTC
>>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
>>> tl = pl.DataFrame(
...     {
...         "start": [t0 + timedelta(minutes=5 * i) for i in range(30)],
...         "requests": [100] * 30,
...         "4xx": [2] * 30,
...         "5xx": [1] * 20 + [40, 45] + [1] * 8,
...     }
... )
>>> s = find_spikes(tl.with_columns(end=pl.col("start") + pl.duration(minutes=5)))
>>> s.select("kind", "windows", "errors").rows()
[('5xx', 2, 85)]
"""

from __future__ import annotations

import math
import statistics

import polars as pl
from polars._typing import PolarsDataType

from httplog.options import SpikeParams

__all__ = ["SPIKE_SCHEMA", "find_spikes", "flag_windows"]

SPIKE_SCHEMA: dict[str, PolarsDataType] = {
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


def flag_windows(timeline: pl.DataFrame, kind: str, p: SpikeParams | None = None) -> pl.DataFrame:
    """The timeline, sorted by start, with what spike detection saw in each window.

    Added columns, for one kind (``5xx`` or ``4xx``): ``rate``, ``baseline``
    (the rate expected from earlier normal windows), ``mad`` (their robust
    spread), ``dispersion`` (their noise relative to counting noise, at least
    1), ``deviate`` (how far the errors are above the expected count, in
    noise units), ``threshold`` (the rate to exceed) and ``anomalous``.

    >>> from datetime import datetime, timedelta, UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> tl = pl.DataFrame(
    ...     {
    ...         "start": [t0 + timedelta(minutes=5 * i) for i in range(12)],
    ...         "requests": [200] * 10 + [2, 200],
    ...         "5xx": [1] * 10 + [1, 30],
    ...     }
    ... )
    >>> flag_windows(tl, "5xx")["anomalous"].to_list()[-2:]
    [False, True]
    """
    p = p or SpikeParams()
    df = timeline.sort("start")
    n = df["requests"].cast(pl.Float64).fill_null(0).to_list()
    e = df[kind].cast(pl.Float64).fill_null(0).to_list()
    cols = _flag(n, e, p)
    return df.with_columns(
        **{
            name: pl.Series(name, values, dtype=pl.Boolean if name == "anomalous" else pl.Float64)
            for name, values in cols.items()
        }
    )


def _flag(n: list[float], e: list[float], p: SpikeParams) -> dict[str, list[float] | list[bool]]:
    """The sequential pass of :func:`flag_windows` (see the module docstring)."""
    size = len(n)
    cols: dict[str, list[float]] = {
        k: [0.0] * size for k in ("rate", "baseline", "mad", "dispersion", "deviate", "threshold")
    }
    flags = [False] * size
    total_n = sum(n)
    overall = sum(e) / total_n if total_n > 0 else 0.0
    # Fallback baseline at the start of a log: every window with requests,
    # but the tenth with the highest rates (a burst among them).
    busy = sorted((i for i in range(size) if n[i] > 0), key=lambda i: e[i] / n[i])
    everything = busy[: len(busy) - len(busy) // 10]
    if everything:
        overall = sum(e[j] for j in everything) / sum(n[j] for j in everything)
    for i in range(size):
        hist = range(max(0, i - p.history), i)
        use = [j for j in hist if n[j] > 0 and not flags[j]]
        if len(use) < p.min_history:
            # Too few normal windows: a burst has lasted so long that it is
            # the new normal, or the log has just begun (then see above).
            use = [j for j in hist if n[j] > 0]
        if len(use) >= p.min_history:
            b = sum(e[j] for j in use) / sum(n[j] for j in use)
        else:
            use, b = everything, overall
        rates = [e[j] / n[j] for j in use if n[j] >= p.min_requests]
        mad = 0.0
        if rates:
            m = statistics.median(rates)
            mad = statistics.median(abs(r - m) for r in rates)
        # Dispersion: mean squared Pearson residual of the earlier windows,
        # each capped at z² so that one bump can't blind the detector.
        pearson = [min((e[j] - n[j] * b) ** 2 / (n[j] * b), p.z**2) for j in use if b > 0]
        disp = max(1.0, sum(pearson) / len(pearson)) if pearson else 1.0
        # Freeman-Tukey deviate of the count against its expectation: close
        # to a standard normal for Poisson counts, even small ones.
        ft = math.sqrt(e[i]) + math.sqrt(e[i] + 1) - math.sqrt(4 * n[i] * b + 1)
        dev = ft / math.sqrt(disp)
        thr = max(b + p.mad_k * 1.4826 * mad, b + p.min_delta, p.min_ratio * b)
        rate = e[i] / n[i] if n[i] > 0 else 0.0
        flags[i] = n[i] >= p.min_requests and e[i] >= p.min_errors and rate > thr and dev >= p.z
        for k, v in (
            ("rate", rate),
            ("baseline", b),
            ("mad", mad),
            ("dispersion", disp),
            ("deviate", dev),
            ("threshold", thr),
        ):
            cols[k][i] = v
    return {**cols, "anomalous": flags}


def find_spikes(timeline: pl.DataFrame, params: SpikeParams | None = None) -> pl.DataFrame:
    """Spikes of each kind in a timeline (columns of :data:`SPIKE_SCHEMA`), by start.

    ``start``/``end`` keep the timeline's time zone. The timeline needs
    ``start``, ``end``, ``requests`` and the columns of the kinds looked at
    (``5xx``, ``4xx``): :func:`httplog.by_window` makes one.

    >>> from datetime import datetime, timedelta, UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> tl = pl.DataFrame(
    ...     {
    ...         "start": [t0 + timedelta(hours=i) for i in range(24)],
    ...         "end": [t0 + timedelta(hours=i + 1) for i in range(24)],
    ...         "requests": [1000] * 24,
    ...         "5xx": [3] * 20 + [90, 3, 3, 3],
    ...         "4xx": [20] * 24,
    ...     }
    ... )
    >>> find_spikes(tl).select("kind", "windows", "errors", "baseline_rate", "excess").row(0)
    ('5xx', 1, 90, 0.003, 87)
    """
    p = params or SpikeParams()
    start = timeline.schema.get("start")
    tz = start.time_zone if isinstance(start, pl.Datetime) else "UTC"
    schema: dict[str, PolarsDataType] = {
        **SPIKE_SCHEMA,
        "start": pl.Datetime("us", tz),
        "end": pl.Datetime("us", tz),
    }
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
