"""The charts over time: requests, error rates (overall and per virtual host),
latencies and bandwidth per window (see :mod:`httplog.charts`)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from httplog.charts.base import (
    _HEIGHT,
    BYTES_COLOR,
    CLASS_COLORS,
    LATENCY_COLORS,
    _base_layout,
    _labels_file,
    _local,
    _steps,
    _time_axis,
    _time_chart,
    _window_steps,
    class_names,
    label,
    resolve_lang,
)
from httplog.display import visible
from httplog.statuscodes import CLASSES

if TYPE_CHECKING:
    from httplog.analysis import Analysis

__all__ = ["HOST_ROWS", "bandwidth", "error_rates", "host_error_rates", "latency", "timeline"]


def _rate_steps(
    x: list[str], frame: pl.DataFrame, kind: str, lang: str, **trace: Any
) -> go.Scatter:
    """The ``kind`` (4xx, 5xx) rate of ``frame``'s windows in %, windows without requests as gaps."""
    pct = frame.select(
        pl.when(pl.col("requests") > 0).then((pl.col(f"rate_{kind}") * 100).round(3))
    ).to_series()
    color = CLASS_COLORS[kind]
    return _steps(x, pct.to_list(), color=color, name=label(f"rate_{kind}", lang), **trace)


def _band(fig: go.Figure, spike: dict[str, Any], tz: str, **where: Any) -> str:
    """Shade a spike's windows in its class colour (in the subplot ``where`` says); its start."""
    start, end = _local(pl.Series([spike["start"], spike["end"]]), tz)
    color = CLASS_COLORS.get(str(spike["kind"]), CLASS_COLORS["5xx"])
    fig.add_vrect(
        x0=start, x1=end, fillcolor=color, opacity=0.2, layer="below", line_width=0, **where
    )
    return start


def timeline(analysis: Analysis, *, lang: str | None = None) -> go.Figure:
    """Requests per time window, stacked by status class.

    One trace per class that has requests (1xx … 5xx, invalid), in
    :data:`CLASS_COLORS`, stacked (``stackgroup``): a filled step per class
    that holds each window's count over the window, like bars without gaps.

    Examples
    --------
    >>> import httplog
    >>> a = httplog.analyze(six_requests, window="1m")  # 200 200 | 404 | 503 503 200
    >>> fig = timeline(a)
    >>> [(t.name, int(sum(t.y))) for t in fig.data]
    [('2xx success', 3), ('4xx client error', 1), ('5xx server error', 2)]
    >>> fig.layout.yaxis.title.text
    'Requests per 1m'
    """
    lang = resolve_lang(lang, analysis)
    fig, tl = _time_chart(analysis, lang, "timeline_title", "requests_axis")
    if tl is None:
        return fig
    names = class_names(lang)
    for cls in CLASSES:
        if cls not in tl.columns or int(tl[cls].sum() or 0) == 0:
            continue
        fig.add_trace(
            _window_steps(
                tl,
                tl[cls],
                tz=analysis.view.tz,
                name=names[cls],
                color=CLASS_COLORS[cls],
                hovertemplate="%{y:,}",
                stackgroup="classes",
            )
        )
    fig.update_layout(legend={"traceorder": "normal"})
    fig.update_yaxes(rangemode="tozero")
    return _time_axis(fig, analysis, lang)


def error_rates(analysis: Analysis, *, lang: str | None = None) -> go.Figure:
    """4xx and 5xx rates per window in %, with the detected spikes shaded.

    A rate is the class's share of the window's requests; windows without
    requests are gaps. Each spike of ``analysis.spikes`` is a band (``vrect``)
    in its class colour labelled ``"5xx #3"``, the number of the spike in the
    report's spike table.

    Examples
    --------
    >>> import httplog
    >>> a = httplog.analyze(six_requests, window="1m")  # 200 200 | 404 | 503 503 200
    >>> fig = error_rates(a)
    >>> [t.name for t in fig.data]
    ['4xx rate', '5xx rate']
    >>> max(fig.data[1].y)  # 2 of the 3 requests of 10:02 failed with 5xx
    66.667
    """
    lang = resolve_lang(lang, analysis)
    fig, tl = _time_chart(analysis, lang, "error_rates_title", "rate_axis")
    if tl is None:
        return fig
    x = _local(tl["start"], analysis.view.tz)
    for kind in ("4xx", "5xx"):
        fig.add_trace(_rate_steps(x, tl, kind, lang, width=2, hovertemplate="%{y:.2f}%"))
    kinds_seen: list[str] = []
    for i, spike in enumerate(analysis.spikes.iter_rows(named=True)):
        kind = str(spike["kind"])
        color = CLASS_COLORS.get(kind, CLASS_COLORS["5xx"])
        start = _band(fig, spike, analysis.view.tz)
        fig.add_annotation(  # labels of neighbouring spikes are staggered so they don't overlap
            x=start,
            y=1,
            xref="x",
            yref="paper",
            yanchor="bottom",
            xanchor="left",
            yshift=-14 * (i % 3) - 14,
            text=label("spike_label", lang, kind=kind, n=spike["spike"]),
            showarrow=False,
            font={"size": 10, "color": color},
        )
        if kind not in kinds_seen:
            kinds_seen.append(kind)
    for kind in kinds_seen:  # legend entries for the bands
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=label("spike", lang, kind=kind),
                marker={
                    "symbol": "square",
                    "size": 12,
                    "color": CLASS_COLORS.get(kind),
                    "opacity": 0.35,
                },
                hoverinfo="skip",
            )
        )
    fig.update_yaxes(rangemode="tozero", ticksuffix="%")
    return _time_axis(fig, analysis, lang)


#: Most hosts drawn in the per-host error-rate chart (``Analysis.host_timeline``
#: holds the busiest ones).
HOST_ROWS = 8


def host_error_rates(analysis: Analysis, *, lang: str | None = None) -> go.Figure | None:
    """4xx and 5xx rates per window of each of the busiest virtual hosts, one row each.

    Small multiples of :func:`error_rates` over ``analysis.host_timeline``
    (the busiest hosts first), sharing the time axis, with each host's own
    spikes (``analysis.host_spikes``) shaded in its row. Windows in which a
    host had no request are gaps; a lone window is a marker.

    Returns
    -------
    plotly.graph_objects.Figure or None
        ``None`` when the log has no host (``host_timeline`` is None or empty).

    Examples
    --------
    >>> import httplog
    >>> host_error_rates(httplog.analyze(six_requests)) is None  # the format has no host
    True
    """
    lang = resolve_lang(lang, analysis)
    tl = analysis.host_timeline
    if tl is None or tl.is_empty():
        return None
    hosts = (
        tl.group_by("host", maintain_order=True)
        .agg(pl.col("requests").sum())
        .sort("requests", descending=True, maintain_order=True)["host"]
        .head(HOST_ROWS)
        .to_list()
    )
    tz = analysis.view.tz
    windows = tl.select("start").unique().sort("start")
    titles = [html.escape(visible(h if h is not None else "-")) for h in hosts]
    fig = make_subplots(
        rows=len(hosts),
        cols=1,
        shared_xaxes=True,
        subplot_titles=titles,
        vertical_spacing=min(0.3 / len(hosts), 0.12),
    )
    _base_layout(fig, label("host_rates_title", lang), x_title=None, y_title="")
    x = _local(windows["start"], tz)
    for row, host in enumerate(hosts, start=1):
        own = windows.join(tl.filter(pl.col("host") == host), on="start", how="left")
        for kind in ("4xx", "5xx"):
            hover = f"{titles[row - 1]} {kind}: %{{y:.2f}}%<extra></extra>"
            fig.add_trace(
                _rate_steps(
                    x,
                    own,
                    kind,
                    lang,
                    width=1.5,
                    legendgroup=kind,
                    showlegend=row == 1,
                    hovertemplate=hover,
                ),
                row=row,
                col=1,
            )
        fig.update_yaxes(rangemode="tozero", ticksuffix="%", row=row, col=1)
    spikes = analysis.host_spikes
    if spikes is not None:
        for spike in spikes.filter(pl.col("host").is_in(hosts)).iter_rows(named=True):
            _band(fig, spike, tz, row=hosts.index(spike["host"]) + 1, col=1)
    fig.update_layout(height=max(_HEIGHT, 100 + 170 * len(hosts)))
    return _time_axis(fig, analysis, lang, last_row=len(hosts))


def latency(analysis: Analysis, *, lang: str | None = None) -> go.Figure | None:
    """p50, p90 and p99 per window of each latency metric the log has.

    One row of subplots per metric (``request_time``, ``upstream_response_time``),
    sharing the time axis, seconds on a log scale (latencies span milliseconds
    to minutes). Windows without a value are gaps.

    Returns
    -------
    plotly.graph_objects.Figure or None
        ``None`` when the log has no latency field (``analysis.latencies`` is empty).

    Examples
    --------
    >>> import httplog
    >>> a = httplog.analyze(six_requests, window="1m")  # 200 200 | 404 | 503 503 200
    >>> latency(a) is None  # the combined format has no times
    True
    >>> import os, tempfile
    >>> timed = os.path.join(tempfile.mkdtemp(), "timed.log")
    >>> _ = open(timed, "w").writelines(
    ...     f'192.0.2.1 - - [20/Nov/2026:10:0{m}:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-" 0.{m}1 0.{m}0\\n'
    ...     for m in range(3)
    ... )
    >>> fmt = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    >>> fmt += '"$http_referer" "$http_user_agent" $request_time $upstream_response_time'
    >>> fig = latency(httplog.analyze(timed, log_format=fmt, window="1m"))
    >>> [t.name for t in fig.data]  # request_time, then upstream_response_time
    ['p50', 'p90', 'p99', 'p50', 'p90', 'p99']
    """
    lang = resolve_lang(lang, analysis)
    metrics = analysis.latencies
    tl = analysis.timeline
    if not metrics:
        return None
    titles = [label(m, lang) if m in _labels_file()[lang]["charts"] else m for m in metrics]
    fig = make_subplots(
        rows=len(metrics), cols=1, shared_xaxes=True, subplot_titles=titles, vertical_spacing=0.12
    )
    _base_layout(fig, label("latency_title", lang), x_title=None, y_title="")
    x = _local(tl["start"], analysis.view.tz)
    for row, metric in enumerate(metrics, start=1):
        for q in ("p50", "p90", "p99"):
            fig.add_trace(
                _steps(
                    x,
                    tl[f"{metric}_{q}"].round(6).to_list(),
                    color=LATENCY_COLORS[q],
                    width=1.5,
                    name=q,
                    legendgroup=q,
                    showlegend=row == 1,
                    hovertemplate=f"{titles[row - 1]} {q}: %{{y:.3f}} s<extra></extra>",
                ),
                row=row,
                col=1,
            )
        fig.update_yaxes(type="log", title_text=label("latency_axis", lang), row=row, col=1)
    fig.update_layout(height=max(_HEIGHT, 60 + 300 * len(metrics)))
    return _time_axis(fig, analysis, lang, last_row=len(metrics))


def bandwidth(analysis: Analysis, *, lang: str | None = None) -> go.Figure | None:
    """Bytes sent per time window (the log's body or response bytes).

    Returns
    -------
    plotly.graph_objects.Figure or None
        ``None`` when the timeline has no ``bytes`` column or only nulls.

    Examples
    --------
    >>> import httplog
    >>> a = httplog.analyze(six_requests, window="1m")  # 200 200 | 404 | 503 503 200
    >>> fig = bandwidth(a)
    >>> int(sum(fig.data[0].y)), fig.layout.yaxis.ticksuffix
    (600, 'B')
    """
    lang = resolve_lang(lang, analysis)
    whole = analysis.timeline
    if "bytes" not in whole.columns or (
        whole.height and whole["bytes"].null_count() == whole.height
    ):
        return None
    fig, tl = _time_chart(analysis, lang, "bytes_title", "bytes_axis")
    if tl is None:
        return fig
    fig.add_trace(
        _window_steps(
            tl,
            tl["bytes"],
            tz=analysis.view.tz,
            name=label("bytes", lang),
            color=BYTES_COLOR,
            hovertemplate="%{y:.3~s}B<extra></extra>",
            fill="tozeroy",
        )
    )
    fig.update_layout(showlegend=False)
    fig.update_yaxes(tickformat="~s", ticksuffix="B", rangemode="tozero")
    return _time_axis(fig, analysis, lang)
