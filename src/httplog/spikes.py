"""Error spikes: windows whose 5xx (or 4xx) rate stands out, merged and explained.

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
from collections.abc import Iterable

import polars as pl
from polars._typing import PolarsDataType

from httplog.options import SpikeParams
from httplog.partial import Partial
from httplog.routes import RouteRule, route
from httplog.statuscodes import status_class
from httplog.windows import window_map, windows_between

__all__ = [
    "EXPLANATION_SCHEMA",
    "SPIKE_SCHEMA",
    "SpikeParams",
    "explain_spike",
    "explain_spikes",
    "find_spikes",
    "flag_windows",
    "host_spikes",
    "host_timeline",
    "ranked_explanations",
    "with_routes",
]

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

EXPLANATION_SCHEMA: dict[str, PolarsDataType] = {
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
    # the part of the spike's excess errors the key accounts for (see explain_spike)
    "excess_share": pl.Float64,
    # whether it explains the spike: an excess and a share that is not negligible
    "explains": pl.Boolean,
}

#: Virtual hosts given a timeline of their own (the busiest: most requests).
HOST_TIMELINES = 8

#: Columns of :func:`host_timeline`.
HOST_TIMELINE_COLUMNS = ("host", "start", "end", "requests", "4xx", "5xx", "rate_4xx", "rate_5xx")

#: A key explains a spike when it accounts for at least this part of its excess.
MIN_EXCESS_SHARE = 0.05


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


def with_routes(
    p: Partial, rules: tuple[RouteRule, ...] = (), kinds: Iterable[str] | None = None
) -> Partial:
    """The partial with a ``route`` dimension in ``error_keys``: the errors'
    paths folded into routes (:func:`httplog.routes.route`, the extra
    ``rules`` first), once per distinct path, so that spikes are explained by
    endpoints as well as by paths. Without paths, ``p`` as it is. With
    ``kinds`` (``4xx``, ``5xx``), only the errors of those kinds get routes
    (those of the spikes to explain: a state's 4xx paths are many).

    >>> from datetime import datetime, UTC
    >>> from httplog.aggregation import aggregate
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [t] * 2,
    ...         "status": pl.Series([500] * 2, dtype=pl.UInt16),
    ...         "path": ["/u/1", "/u/2"],
    ...     }
    ... )
    >>> ek = with_routes(aggregate(rows)).error_keys
    >>> ek.filter(pl.col("dimension") == "route").select("key", "requests").rows()
    [('/u/{id}', 2)]
    """
    ek = p.error_keys
    paths = ek.filter(pl.col("dimension") == "path")
    if kinds is not None:
        paths = paths.filter(pl.col("kind").is_in(list(kinds)))
    if paths.is_empty() or ek["dimension"].eq("route").any():
        return p
    folded = paths.select(pl.col("key").unique()).with_columns(_route=route("key", extra=rules))
    routes = (
        paths.join(folded, on="key")
        .group_by("minute", "kind", "bot", key="_route")
        .agg(pl.col("requests").sum())
        .with_columns(dimension=pl.lit("route"))
        .select(ek.columns)
    )
    return p.with_tables(error_keys=pl.concat([ek, routes.cast(ek.schema)]))


def explain_spikes(
    p: Partial,
    spikes: pl.DataFrame,
    *,
    params: SpikeParams | None = None,
    rules: tuple[RouteRule, ...] = (),
) -> pl.DataFrame:
    """Over-represented keys of each spike (columns of :data:`EXPLANATION_SCHEMA`).

    Each spike's baseline is the errors of its kind outside every spike of
    that kind (see :func:`explain_spike`); the spikes' start and end say
    which minutes of the partial they hold. Paths are explained as routes
    too (dimension ``route``: :func:`with_routes`, ``rules`` first); a route
    that is one of the spike's paths as it is (nothing folded) is left out.

    >>> from datetime import datetime, timedelta, UTC
    >>> from httplog.aggregation import aggregate
    >>> from httplog.reduce import by_window
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> times = [t0 + timedelta(seconds=10 * i) for i in range(3000)]
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": times,
    ...         "status": pl.Series(
    ...             [502 if 1500 <= i < 1560 else 500 if i % 97 == 0 else 200 for i in range(3000)],
    ...             dtype=pl.UInt16,
    ...         ),
    ...         "path": ["/pay" if 1500 <= i < 1560 else f"/p{i % 7}" for i in range(3000)],
    ...     }
    ... )
    >>> p = aggregate(rows)
    >>> spikes = find_spikes(by_window(p, every="5m"))
    >>> why = explain_spikes(p, spikes)
    >>> why.filter(pl.col("rank") == 1).select("dimension", "key").rows()
    [('path', '/pay'), ('status', '502')]
    """
    params = params or SpikeParams()
    if spikes.height:
        p = with_routes(p, rules, kinds=spikes["kind"].unique().to_list())
    frames = []
    for row in spikes.iter_rows(named=True):
        same = spikes.filter(pl.col("kind") == row["kind"]).select("start", "end")
        frames.append(explain_spike(p, row, params=params, exclude=same))
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=EXPLANATION_SCHEMA)
    ex = pl.concat(frames)
    # A route that is one of the spike's paths as it is (nothing folded) says
    # nothing the path doesn't: only the routes that fold paths are kept.
    paths = ex.filter(pl.col("dimension") == "path").select("spike", "key")
    routes = ex.filter(pl.col("dimension") == "route").join(paths, on=["spike", "key"], how="anti")
    routes = routes.sort("spike", "rank").with_columns(
        rank=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("spike")
    )
    ex = pl.concat([ex.filter(pl.col("dimension") != "route"), routes])
    return ex.sort("spike", "dimension", "rank")


def ranked_explanations(explanations: pl.DataFrame, n: int = 5) -> pl.DataFrame:
    """The keys that explain each spike, ranked across dimensions: first the one
    accounting for most of its excess errors, then by lift (how much more often
    than usual the key fails), count and key; at most ``n`` per spike, and never a
    key with a negative excess or a negligible share (``explains``). A route
    that is a path as it is (nothing folded) is left to the path.

    Columns: those of ``explanations`` (:data:`EXPLANATION_SCHEMA`) and ``order``.

    >>> ex = pl.DataFrame(
    ...     {
    ...         "spike": [1, 1, 1, 1],
    ...         "dimension": ["status", "path", "remote_addr", "status"],
    ...         "key": ["404", "/radio.php", "203.0.113.9", "502"],
    ...         "count": [596, 7, 596, 0],
    ...         "lift": [1.1, 7.0, 596.0, 0.0],
    ...         "excess_share": [1.0, 0.012, 1.0, -0.04],
    ...         "explains": [True, False, True, False],
    ...     }
    ... )
    >>> ranked_explanations(ex).select("order", "dimension", "key").rows()
    [(1, 'remote_addr', '203.0.113.9'), (2, 'status', '404')]
    """
    if "explains" not in explanations.columns:
        return explanations.head(0).with_columns(order=pl.lit(0, pl.UInt32))
    paths = explanations.filter(pl.col("dimension") == "path").select("spike", "key")
    same = (pl.col("dimension") == "route") & pl.struct("spike", "key").is_in(
        paths.select(pl.struct("spike", "key")).to_series().implode()
    )
    return (
        explanations.filter(pl.col("explains") & ~same)
        .sort(
            ["spike", "excess_share", "lift", "count", "dimension", "key"],
            descending=[False, True, True, True, False, False],
        )
        .group_by("spike", maintain_order=True)
        .head(n)
        .with_columns(order=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("spike"))
    )


def explain_spike(
    p: Partial,
    spike: dict[str, object],
    *,
    params: SpikeParams | None = None,
    exclude: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Explain one spike (a row of :func:`find_spikes` as a dict).

    For each dimension (``status`` and those of ``error_keys``: path,
    remote_addr, user_agent, referer, upstream_addr), the keys of the spike's
    errors with: ``count`` (errors in the spike), ``share`` (of the spike's
    errors), ``baseline_count`` and ``baseline_share`` (the same among the
    baseline errors: those of the spike's kind outside the spike, and outside
    the intervals of ``exclude``, a frame of start/end), ``lift`` (share over
    baseline share; a key never seen failing in the baseline counts as one
    error there) and ``excess`` (count minus what the baseline share
    predicts). Keys are ranked by excess; the top ``params.top`` are kept.

    ``excess_share`` is the part of the spike's excess errors (its errors less
    the ``baseline rate × requests`` expected: the spike's ``excess``) that the
    key accounts for: its count less its baseline share of the expected
    errors, over the excess (at most 1; summed over a dimension's keys, 1).
    ``explains`` says whether the key explains the spike: a positive excess and
    an ``excess_share`` of at least :data:`MIN_EXCESS_SHARE`. See
    :func:`ranked_explanations` for the ranking across dimensions.

    >>> from datetime import datetime, UTC
    >>> from httplog.aggregation import aggregate
    >>> t = [datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (0, 1, 30, 31)]
    >>> p = aggregate(
    ...     pl.DataFrame(
    ...         {
    ...             "time": t,
    ...             "status": pl.Series([500] * 4, dtype=pl.UInt16),
    ...             "path": ["/a", "/b", "/x", "/x"],
    ...         }
    ...     )
    ... )
    >>> spike = {
    ...     "spike": 1,
    ...     "kind": "5xx",
    ...     "start": t[2],
    ...     "end": datetime(2026, 1, 1, 11, tzinfo=UTC),
    ... }
    >>> explain_spike(p, spike).filter(pl.col("rank") == 1).select("dimension", "key").rows()
    [('path', '/x'), ('status', '500')]
    """
    params = params or SpikeParams()
    kind = str(spike["kind"])
    errors, over = spike.get("errors"), spike.get("excess")
    # The part of the spike's errors that were expected (the rest is its excess).
    expected = (
        1 - float(over) / float(errors)  # type: ignore[arg-type]  # (numbers, when given)
        if errors and over is not None
        else 0.0
    )
    m = pl.col("minute")
    start = pl.lit(spike["start"]).dt.convert_time_zone("UTC")
    end = pl.lit(spike["end"]).dt.convert_time_zone("UTC")
    in_spike = (m >= start) & (m < end)
    status = p.counts.filter(status_class("status") == kind).select(
        "minute",
        dimension=pl.lit("status"),
        key=pl.col("status").cast(pl.String),
        requests="requests",
    )
    errs = p.error_keys.filter(pl.col("kind") == kind).select(
        "minute", "dimension", "key", "requests"
    )
    rows = pl.concat([status, errs])
    outside = ~in_spike
    if exclude is not None and exclude.height:
        # Minutes inside any interval of ``exclude`` (they don't overlap).
        spans = exclude.select(
            _lo=pl.col("start").dt.convert_time_zone("UTC"),
            _hi=pl.col("end").dt.convert_time_zone("UTC"),
        ).sort("_lo")
        rows = rows.sort("minute").join_asof(
            spans, left_on="minute", right_on="_lo", strategy="backward"
        )
        outside = outside & ~(pl.col("_hi").is_not_null() & (m < pl.col("_hi")))
    spike_tab = (
        rows.filter(in_spike).group_by("dimension", "key").agg(count=pl.col("requests").sum())
    )
    base = rows.filter(outside)
    base_tab = base.group_by("dimension", "key").agg(baseline_count=pl.col("requests").sum())
    base_tot = base.group_by("dimension").agg(_btot=pl.col("requests").sum())
    t = (
        spike_tab.join(base_tab, on=["dimension", "key"], how="left")
        .join(base_tot, on="dimension", how="left")
        .with_columns(pl.col("baseline_count", "_btot").fill_null(0))
        .with_columns(_tot=pl.col("count").sum().over("dimension"))
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
            _exp=pl.col("_tot") * max(0.0, min(1.0, expected)),
        )
        .with_columns(
            excess_share=pl.when(pl.col("_tot") > pl.col("_exp"))
            .then(
                (pl.col("count") - pl.col("baseline_share") * pl.col("_exp"))
                / (pl.col("_tot") - pl.col("_exp"))
            )
            .otherwise(0.0)
            .clip(upper_bound=1.0)
        )
        .with_columns(
            explains=(pl.col("excess") > 0) & (pl.col("excess_share") >= MIN_EXCESS_SHARE)
        )
        .sort(["dimension", "excess", "count", "key"], descending=[False, True, True, False])
        .group_by("dimension", maintain_order=True)
        .head(params.top)
        .with_columns(
            spike=pl.lit(spike["spike"]),
            rank=pl.int_range(1, pl.len() + 1).over("dimension"),
        )
    )
    return t.select([pl.col(c).cast(dt) for c, dt in EXPLANATION_SCHEMA.items()])


def host_timeline(
    p: Partial, *, every: str, tz: str = "UTC", n: int = HOST_TIMELINES
) -> pl.DataFrame | None:
    """The timeline of each of the ``n`` busiest virtual hosts (most requests;
    ties by name), from the partial's ``host_counts``: host, start, end (in
    ``tz``), requests, 4xx, 5xx, rate_4xx, rate_5xx — one row per host and
    window of the overall timeline (:func:`httplog.by_window` with the same
    ``every`` and ``tz``), empty windows included; hosts in order of
    requests, then windows in time order. None when the log has no host.

    Hosts beyond :data:`~httplog.partial.HOSTS_K` in a minute were added up
    in a row of null host (:func:`~httplog.partial.fold_hosts`): that row is no host
    and has no timeline, and a host's counts are then lower bounds.

    >>> from datetime import datetime, UTC
    >>> from httplog.aggregation import aggregate
    >>> rows = pl.DataFrame(
    ...     {
    ...         "time": [datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (1, 2, 12)],
    ...         "status": pl.Series([200, 503, 404], dtype=pl.UInt16),
    ...         "host": ["a.example", "a.example", "b.example"],
    ...     }
    ... )
    >>> tl = host_timeline(aggregate(rows), every="10m")
    >>> tl.select("host", "requests", "5xx", "rate_5xx").rows()
    [('a.example', 2, 1, 0.5), ('a.example', 0, 0, 0.0), ('b.example', 0, 0, 0.0), ('b.example', 1, 0, 0.0)]
    """
    hc = p.host_counts
    if hc.is_empty() and not p.keys["dimension"].eq("host").any():
        return None
    real = hc.filter(pl.col("host").is_not_null())  # (the null host: hosts folded)
    busiest = (
        real.group_by("host")
        .agg(pl.col("requests").sum())
        .sort(["requests", "host"], descending=[True, False])
        .head(n)
        .select("host", _order=pl.int_range(pl.len()))
    )
    span = p.minute_span
    first, last = span if span is not None else (None, None)
    windows = windows_between(first, last, every, tz)
    counts = ["requests", "4xx", "5xx"]
    per = (
        real.join(busiest, on="host", how="semi")
        .join(window_map(real["minute"], every, tz), on="minute", how="left")
        .group_by("host", "start")
        .agg(pl.col(*counts).sum())
    )
    start = windows.schema["start"]
    tl = (
        busiest.join(windows, how="cross")
        .join(per.with_columns(pl.col("start").cast(start)), on=["host", "start"], how="left")
        .with_columns(pl.col(*counts).fill_null(0).cast(pl.UInt64))
        .sort("_order", "start")
    )
    rate = {
        f"rate_{c}": pl.when(pl.col("requests") > 0)
        .then(pl.col(c) / pl.col("requests"))
        .otherwise(0.0)
        for c in ("4xx", "5xx")
    }
    return tl.with_columns(**rate).select(HOST_TIMELINE_COLUMNS)


def host_spikes(
    timeline: pl.DataFrame | None,
    params: SpikeParams | None = None,
    overall: pl.DataFrame | None = None,
) -> pl.DataFrame | None:
    """Spikes found within each host of a :func:`host_timeline`, by the same
    detector and ``params`` as the overall ones (:func:`find_spikes`): host,
    then the columns of :data:`SPIKE_SCHEMA` (``spike`` numbers them 1… over
    every host, by start, then host), and ``overall``: whether ``overall``
    (the spikes of the whole timeline) has a spike of the same kind that
    overlaps it — False is a host's spike the fleet's rates hide. None
    without a timeline (a log without hosts).

    >>> from datetime import datetime, timedelta, UTC
    >>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
    >>> tl = pl.DataFrame(
    ...     {
    ...         "host": ["a"] * 30,
    ...         "start": [t0 + timedelta(minutes=5 * i) for i in range(30)],
    ...         "requests": [100] * 30,
    ...         "4xx": [2] * 30,
    ...         "5xx": [1] * 20 + [40, 45] + [1] * 8,
    ...     }
    ... ).with_columns(end=pl.col("start") + pl.duration(minutes=5))
    >>> host_spikes(tl).select("host", "kind", "windows", "errors", "overall").rows()
    [('a', '5xx', 2, 85, False)]
    """
    if timeline is None:
        return None
    start = timeline.schema.get("start")
    tz = start.time_zone if isinstance(start, pl.Datetime) else "UTC"
    schema: dict[str, PolarsDataType] = {
        "host": pl.String,
        **SPIKE_SCHEMA,
        "start": pl.Datetime("us", tz),
        "end": pl.Datetime("us", tz),
        "overall": pl.Boolean,
    }
    found = [
        find_spikes(tl, params).with_columns(host=pl.lit(tl["host"][0], pl.String))
        for tl in timeline.partition_by("host", maintain_order=True)
    ]
    found = [f for f in found if f.height]
    if not found:
        return pl.DataFrame(schema=schema)
    df = pl.concat(found).sort("start", "host", "kind")
    seen = pl.lit(False)
    if overall is not None and overall.height:
        o = overall.select("kind", _s="start", _e="end")
        hits = (
            df.with_row_index("_i")
            .join(o, on="kind", how="inner")
            .filter((pl.col("_s") < pl.col("end")) & (pl.col("start") < pl.col("_e")))
            .select("_i")
            .unique()
        )
        df = df.with_row_index("_i").with_columns(_o=pl.col("_i").is_in(hits["_i"].implode()))
        seen = pl.col("_o")
    df = df.with_columns(spike=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32), overall=seen)
    return df.select([pl.col(c).cast(t) for c, t in schema.items()])
