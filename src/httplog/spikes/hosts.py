"""Virtual hosts' own timelines and spikes: a host's burst that the fleet's
rates hide, found by the same detector as the overall spikes
(:func:`httplog.spikes.find.find_spikes`).
"""

from __future__ import annotations

import polars as pl
from polars._typing import PolarsDataType

from httplog.options import SpikeParams
from httplog.partial import Partial
from httplog.spikes.find import SPIKE_SCHEMA, find_spikes
from httplog.windows import window_map, windows_between

__all__ = ["HOST_TIMELINES", "HOST_TIMELINE_COLUMNS", "host_spikes", "host_timeline"]

#: Virtual hosts given a timeline of their own (the busiest: most requests).
HOST_TIMELINES = 8

#: Columns of :func:`host_timeline`.
HOST_TIMELINE_COLUMNS = ("host", "start", "end", "requests", "4xx", "5xx", "rate_4xx", "rate_5xx")


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
