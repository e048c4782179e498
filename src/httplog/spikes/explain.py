"""What explains a spike: the keys over-represented among its errors.

A spike's errors are compared, key by key and dimension by dimension (status
code, path, route, client, user agent, referer, upstream), with the baseline
errors of the same kind outside every spike of that kind; see
:func:`explain_spike` for the figures and :func:`ranked_explanations` for the
ranking across dimensions that the terminal, the JSON summary and the report
share.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from polars._typing import PolarsDataType

from httplog.options import SpikeParams
from httplog.partial import Partial
from httplog.routes import RouteRule, route
from httplog.statuscodes import status_class

__all__ = [
    "EXPLANATION_SCHEMA",
    "MIN_EXCESS_SHARE",
    "explain_spike",
    "explain_spikes",
    "ranked_explanations",
    "with_routes",
]

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

#: A key explains a spike when it accounts for at least this part of its excess.
MIN_EXCESS_SHARE = 0.05


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
    >>> from httplog.spikes.find import find_spikes
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
