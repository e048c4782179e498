"""The report's charts as plotly figures: one function per chart, no HTML.

Every chart function takes an :class:`~httplog.analysis.Analysis` (the result
of :func:`httplog.analyze`) and a keyword ``lang`` (below), and returns a
``plotly.graph_objects.Figure`` (or ``None`` when the log lacks the data), so
a notebook can show, restyle or export any of them; :func:`httplog.write_report`
puts the same figures in its page. The figures hold aggregated data only (one
point per time window or status code), never log lines.

- :func:`timeline`: requests per window, stacked by status class.
- :func:`error_rates`: 4xx and 5xx rates per window, detected spikes shaded.
- :func:`status_codes`: requests per status code, coloured by class.
- :func:`latency`: p50/p90/p99 of each latency the log has, per window.
- :func:`bandwidth`: bytes sent per window.

Times are wall-clock times in the analysis' time zone (``view.tz``), and the
axis title says which. Windows without requests are gaps in the lines; a
window with a value between two gaps is drawn as a marker, so every window
that has data shows. ``lang`` (``"en"`` or ``"zh"``, default the analysis'
``view.lang``) picks titles, axis titles and class names; the texts live in
``httplog/report/templates/labels.toml``. Each status class has one colour in
every chart (:data:`CLASS_COLORS`).

Examples
--------
>>> import httplog, os, tempfile
>>> p = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 10 "-" "curl/8"\\n'
...     '192.0.2.2 - - [10/Oct/2000:13:56:01 +0000] "GET /x HTTP/1.1" 503 0 "-" "curl/8"\\n'
... )
>>> a = httplog.analyze(p, window="1m")
>>> fig = httplog.charts.timeline(a)
>>> fig.layout.title.text
'Requests over time by status class'
>>> [t.name for t in fig.data]
['2xx success', '5xx server error']
>>> sorted(figures(a, lang="zh"))
['bandwidth', 'error_rates', 'status_codes', 'timeline']
"""

from __future__ import annotations

import html
import textwrap
import tomllib
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from httplog.display import visible
from httplog.statuscodes import CLASSES, annotate, check_lang, class_table
from httplog.windows import tz_label, wall_clock

if TYPE_CHECKING:
    from httplog.analysis import Analysis

__all__ = [
    "CLASS_COLORS",
    "LATENCY_COLORS",
    "bandwidth",
    "class_names",
    "error_rates",
    "figures",
    "label",
    "latency",
    "localized_status",
    "resolve_lang",
    "status_codes",
    "timeline",
]

#: One colour per status class, the same in every chart and in the report's tables.
CLASS_COLORS: dict[str, str] = {
    "1xx": "#7b93ad",  # grey-blue
    "2xx": "#2e9e4f",  # green
    "3xx": "#3a7bd5",  # blue
    "4xx": "#e8a317",  # amber
    "5xx": "#d64541",  # red
    "invalid": "#8e5cc4",  # purple
}

#: Colours of the latency percentiles.
LATENCY_COLORS: dict[str, str] = {"p50": "#3a7bd5", "p90": "#e8a317", "p99": "#d64541"}

#: Colour of the bandwidth chart.
BYTES_COLOR = "#2a9d8f"

_HEIGHT = 400
# The title sits below the row of the plotly toolbar (which shows on hover at
# the top right), so the toolbar never covers it, even on a phone.
_MARGIN = {"l": 70, "r": 24, "t": 82, "b": 40}
_TITLE_TOP = 36  # px from the top of the figure to the title
#: Size of the marker that shows a window whose neighbours have no value.
ISOLATED_MARKER = 6
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@cache
def _labels_file() -> dict[str, Any]:
    path = files("httplog").joinpath("report", "templates", "labels.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def label(key: str, lang: str = "en", section: str = "charts", **fields: object) -> str:
    """Return the text ``key`` of ``section`` (``"charts"`` or ``"report"``) in ``lang``.

    Placeholders (``{window}``, ``{tz}`` ...) are filled from ``fields``.

    Examples
    --------
    >>> label("time_axis", "zh", tz="UTC")
    '时间（UTC）'
    >>> label("nav_status", "en", section="report")
    'Status codes'
    """
    text = str(_labels_file()[resolve_lang(lang)][section][key])
    return text.format(**fields) if fields else text


def resolve_lang(lang: str | None, analysis: Analysis | None = None) -> str:
    """``lang`` checked, or the analysis' language (``view.lang``) when ``None``.

    Examples
    --------
    >>> resolve_lang("zh"), resolve_lang(None)
    ('zh', 'en')
    """
    if lang is None:
        lang = analysis.view.lang if analysis is not None else "en"
    return check_lang(lang)


def class_names(lang: str) -> dict[str, str]:
    """Display name of each status class, prefixed by the class (``"5xx server error"``).

    Examples
    --------
    >>> class_names("zh")["5xx"], class_names("en")["invalid"]
    ('5xx 服务器错误', 'invalid status')
    """
    out = {}
    for cls, name in class_table(lang).iter_rows():
        out[cls] = name if name.startswith(cls) or cls == "invalid" else f"{cls} {name}"
    return out


def _local(times: pl.Series, tz: str) -> list[str]:
    """Tz-aware datetimes → wall-clock strings on the clock of ``tz`` (what plotly.js shows as is)."""
    if times.dtype == pl.Datetime and getattr(times.dtype, "time_zone", None):
        times = wall_clock(times, tz)
    return times.dt.strftime(_TIME_FORMAT).to_list()


def _base_layout(fig: go.Figure, title: str, *, x_title: str | None, y_title: str) -> None:
    fig.update_layout(
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": _TITLE_TOP},
        },
        height=_HEIGHT,
        margin=_MARGIN,
        # below the plot, at the bottom of the figure: it may wrap on narrow screens
        # without running into the title (plotly makes room for it)
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "xanchor": "left",
            "x": 0,
        },
        hoverlabel={"namelength": -1},
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)


def _time_chart(
    analysis: Analysis, lang: str, title: str, y_title: str
) -> tuple[go.Figure, pl.DataFrame | None]:
    """A laid-out chart over time (labels ``title`` and ``y_title``) and the timeline to draw.

    The timeline is ``None`` when there is nothing to draw: the figure then says so.
    """
    fig = go.Figure()
    _base_layout(
        fig,
        label(title, lang),
        x_title=None,
        y_title=label(y_title, lang, window=analysis.window),
    )
    tl = analysis.timeline
    if tl.is_empty() or analysis.requests == 0:
        return _no_data(fig, lang), None
    return fig, tl


def _time_axis(
    fig: go.Figure, analysis: Analysis, lang: str, *, last_row: int | None = None
) -> go.Figure:
    """Dates on the x axes, titled with the time zone (under the last row of subplots only).

    Hovering shows every trace of the window at once.
    """
    fig.update_layout(hovermode="x unified")
    fig.update_xaxes(type="date", hoverformat="%Y-%m-%d %H:%M")
    fig.update_xaxes(
        title_text=label("time_axis", lang, tz=tz_label(analysis.view.tz)), row=last_row
    )
    return fig


def _window_steps(
    tl: pl.DataFrame,
    y: pl.Series,
    *,
    tz: str,
    name: str,
    color: str,
    hovertemplate: str,
    **trace: Any,
) -> go.Scatter:
    """A filled step of ``y`` over the timeline: each window's value held from its start to its end.

    Drawn as one filled path per trace (a stack of them with ``stackgroup``),
    which looks like bars one window wide without gaps and draws several
    times faster than hundreds of bars. Where a window does not start where
    the previous one ended, and after the last one, the step drops to 0 (a
    point at the window's end), so a lone window still has its width.
    """
    starts, ends, values = _local(tl["start"], tz), _local(tl["end"], tz), y.to_list()
    xs: list[str] = []
    ys: list[Any] = []
    for i, (start, end, value) in enumerate(zip(starts, ends, values, strict=True)):
        xs.append(start)
        ys.append(value)
        if i == len(starts) - 1 or starts[i + 1] != end:
            xs.append(end)
            ys.append(0)
    return go.Scatter(
        x=xs,
        y=ys,
        name=name,
        mode="lines",
        # a hairline in the fill's colour: each trace draws its own edge (the fill
        # of a stacked trace is drawn in the group of the trace below it)
        line={"shape": "hv", "width": 0.5, "color": color},
        marker={"color": color},
        fillcolor=color,
        hovertemplate=hovertemplate,
        **trace,
    )


def _isolated(y: list[float | None]) -> list[bool]:
    """Which values have no value on either side (a line through them has no length)."""
    n = len(y)
    return [
        v is not None and (i == 0 or y[i - 1] is None) and (i == n - 1 or y[i + 1] is None)
        for i, v in enumerate(y)
    ]


def _steps(
    x: list[str], y: list[float | None], *, color: str, width: float, **trace: Any
) -> go.Scatter:
    """A line that holds each window's value over the window; windows without one are gaps.

    A value between two gaps would be a line of no length: it gets a marker.
    """
    alone = _isolated(y)
    extra: dict[str, Any] = {"mode": "lines"}
    if any(alone):
        extra["mode"] = "lines+markers"
        extra["marker"] = {
            "color": color,
            "size": [ISOLATED_MARKER if a else 0 for a in alone],
            "line": {"width": 0},
        }
    return go.Scatter(
        x=x,
        y=y,
        line={"color": color, "width": width, "shape": "hv"},
        connectgaps=False,
        **(trace | extra),
    )


def _no_data(fig: go.Figure, lang: str) -> go.Figure:
    fig.add_annotation(
        text=label("no_requests", lang),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        font={"size": 16},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def timeline(analysis: Analysis, *, lang: str | None = None) -> go.Figure:
    """Requests per time window, stacked by status class.

    One trace per class that has requests (1xx … 5xx, invalid), in
    :data:`CLASS_COLORS`, stacked (``stackgroup``): a filled step per class
    that holds each window's count over the window, like bars without gaps.

    Examples
    --------
    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> rows = [(0, 200), (0, 200), (1, 404), (2, 503), (2, 503), (2, 200)]  # (minute, status)
    >>> _ = open(log, "w").writelines(
    ...     f'192.0.2.{i} - - [20/Nov/2026:10:0{m}:0{i} +0000] "GET / HTTP/1.1" {s} 100 "-" "-"\\n'
    ...     for i, (m, s) in enumerate(rows)
    ... )
    >>> a = httplog.analyze(log, window="1m")
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
    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> rows = [(0, 200), (0, 200), (1, 404), (2, 503), (2, 503), (2, 200)]  # (minute, status)
    >>> _ = open(log, "w").writelines(
    ...     f'192.0.2.{i} - - [20/Nov/2026:10:0{m}:0{i} +0000] "GET / HTTP/1.1" {s} 100 "-" "-"\\n'
    ...     for i, (m, s) in enumerate(rows)
    ... )
    >>> a = httplog.analyze(log, window="1m")
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
        pct = tl.select(
            pl.when(pl.col("requests") > 0).then((pl.col(f"rate_{kind}") * 100).round(3))
        ).to_series()
        fig.add_trace(
            _steps(
                x,
                pct.to_list(),
                color=CLASS_COLORS[kind],
                width=2,
                name=label(f"rate_{kind}", lang),
                hovertemplate="%{y:.2f}%",
            )
        )
    kinds_seen: list[str] = []
    for i, spike in enumerate(analysis.spikes.iter_rows(named=True)):
        kind = str(spike["kind"])
        color = CLASS_COLORS.get(kind, CLASS_COLORS["5xx"])
        start, end = _local(pl.Series([spike["start"], spike["end"]]), analysis.view.tz)
        fig.add_vrect(x0=start, x1=end, fillcolor=color, opacity=0.2, layer="below", line_width=0)
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
    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> _ = open(log, "w").write(
    ...     '192.0.2.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\\n'
    ... )
    >>> host_error_rates(httplog.analyze(log)) is None  # the combined format has no host
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
            pct = own.select(
                pl.when(pl.col("requests") > 0).then((pl.col(f"rate_{kind}") * 100).round(3))
            ).to_series()
            fig.add_trace(
                _steps(
                    x,
                    pct.to_list(),
                    color=CLASS_COLORS[kind],
                    width=1.5,
                    name=label(f"rate_{kind}", lang),
                    legendgroup=kind,
                    showlegend=row == 1,
                    hovertemplate=f"{titles[row - 1]} {kind}: %{{y:.2f}}%<extra></extra>",
                ),
                row=row,
                col=1,
            )
        fig.update_yaxes(rangemode="tozero", ticksuffix="%", row=row, col=1)
    spikes = analysis.host_spikes
    if spikes is not None:
        for s in spikes.filter(pl.col("host").is_in(hosts)).iter_rows(named=True):
            start, end = _local(pl.Series([s["start"], s["end"]]), tz)
            color = CLASS_COLORS.get(str(s["kind"]), CLASS_COLORS["5xx"])
            fig.add_vrect(
                x0=start,
                x1=end,
                fillcolor=color,
                opacity=0.2,
                layer="below",
                line_width=0,
                row=hosts.index(s["host"]) + 1,
                col=1,
            )
    fig.update_layout(height=max(_HEIGHT, 100 + 170 * len(hosts)))
    return _time_axis(fig, analysis, lang, last_row=len(hosts))


def _wrap(text: str) -> str:
    """Escape for plotly's pseudo-HTML and wrap to a hover box's width."""
    width = 64 if text.isascii() else 32
    return "<br>".join(html.escape(line) for line in textwrap.wrap(text, width) or [""])


def status_codes(analysis: Analysis, *, lang: str | None = None) -> go.Figure:
    """Requests per status code: one bar per code seen, coloured by class.

    Hovering a bar shows the code's reason phrase, description (in ``lang``),
    count and share. The y axis turns logarithmic when the biggest code has
    more than 100 times the requests of the smallest, so rare codes stay visible.

    Examples
    --------
    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> rows = [(0, 200), (0, 200), (1, 404), (2, 503), (2, 503), (2, 200)]  # (minute, status)
    >>> _ = open(log, "w").writelines(
    ...     f'192.0.2.{i} - - [20/Nov/2026:10:0{m}:0{i} +0000] "GET / HTTP/1.1" {s} 100 "-" "-"\\n'
    ...     for i, (m, s) in enumerate(rows)
    ... )
    >>> a = httplog.analyze(log, window="1m")
    >>> fig = status_codes(a, lang="zh")
    >>> [(t.name, list(t.x)) for t in fig.data]
    [('2xx 成功', ['200']), ('4xx 请求错误', ['404']), ('5xx 服务器错误', ['503'])]
    >>> fig.data[2].customdata[0][0]
    'Service Unavailable'
    """
    lang = resolve_lang(lang, analysis)
    fig = go.Figure()
    _base_layout(
        fig,
        label("status_title", lang),
        x_title=label("status_axis", lang),
        y_title=label("requests", lang),
    )
    status = localized_status(analysis, lang)
    if status.is_empty():
        return _no_data(fig, lang)
    names = class_names(lang)
    share_label = label("share", lang)
    for cls in CLASSES:
        part = status.filter(pl.col("class") == cls)
        if part.is_empty():
            continue
        fig.add_trace(
            go.Bar(
                x=[str(c) for c in part["status"]],
                y=part["requests"].to_list(),
                name=names[cls],
                marker={"color": CLASS_COLORS[cls]},
                customdata=[
                    [r["reason"], _wrap(r["description"]), round(r["share"] * 100, 3)]
                    for r in part.iter_rows(named=True)
                ],
                hovertemplate=(
                    "<b>%{x} %{customdata[0]}</b><br>%{customdata[1]}<br>"
                    f"%{{y:,}} · {share_label} %{{customdata[2]:.2f}}%<extra></extra>"
                ),
            )
        )
    counts = status["requests"]
    log = int(counts.max() or 0) > 100 * max(int(counts.min() or 0), 1)  # type: ignore[arg-type]  # (a count column: its min and max are ints)
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=[str(c) for c in status["status"]],
    )
    if log:
        fig.update_yaxes(
            type="log", dtick=1, tickformat="~s", title_text=label("requests_log", lang)
        )
    fig.update_layout(bargap=0.25)
    return fig


def localized_status(analysis: Analysis, lang: str) -> pl.DataFrame:
    """``analysis.status`` (codes seen) with class, reason and description in ``lang``.

    The analysis holds the texts of ``analysis.view.lang``; this re-annotates
    them when another language is asked for.

    Examples
    --------
    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> rows = [(0, 200), (0, 200), (1, 404), (2, 503), (2, 503), (2, 200)]  # (minute, status)
    >>> _ = open(log, "w").writelines(
    ...     f'192.0.2.{i} - - [20/Nov/2026:10:0{m}:0{i} +0000] "GET / HTTP/1.1" {s} 100 "-" "-"\\n'
    ...     for i, (m, s) in enumerate(rows)
    ... )
    >>> a = httplog.analyze(log, window="1m")
    >>> localized_status(a, "zh").select("status", "class", "reason").rows()
    [(200, '2xx', 'OK'), (404, '4xx', 'Not Found'), (503, '5xx', 'Service Unavailable')]
    """
    status = analysis.status.filter(pl.col("requests") > 0)
    if analysis.view.lang == lang:
        return status
    texts = [c for c in ("class", "reason", "description") if c in status.columns]
    return annotate(status.drop(texts), lang).select(analysis.status.columns)


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
    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> rows = [(0, 200), (0, 200), (1, 404), (2, 503), (2, 503), (2, 200)]  # (minute, status)
    >>> _ = open(log, "w").writelines(
    ...     f'192.0.2.{i} - - [20/Nov/2026:10:0{m}:0{i} +0000] "GET / HTTP/1.1" {s} 100 "-" "-"\\n'
    ...     for i, (m, s) in enumerate(rows)
    ... )
    >>> a = httplog.analyze(log, window="1m")
    >>> latency(a) is None  # the combined format has no times
    True
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
    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> rows = [(0, 200), (0, 200), (1, 404), (2, 503), (2, 503), (2, 200)]  # (minute, status)
    >>> _ = open(log, "w").writelines(
    ...     f'192.0.2.{i} - - [20/Nov/2026:10:0{m}:0{i} +0000] "GET / HTTP/1.1" {s} 100 "-" "-"\\n'
    ...     for i, (m, s) in enumerate(rows)
    ... )
    >>> a = httplog.analyze(log, window="1m")
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


def figures(analysis: Analysis, *, lang: str | None = None) -> dict[str, go.Figure]:
    """All charts that apply to ``analysis``, by name, in the report's order.

    Names: ``timeline``, ``error_rates``, ``status_codes``, ``latency`` (when the
    log has latencies), ``bandwidth`` (when it has bytes) and
    ``host_error_rates`` (when it has virtual hosts: ``analysis.host_timeline``).

    Examples
    --------
    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> rows = [(0, 200), (0, 200), (1, 404), (2, 503), (2, 503), (2, 200)]  # (minute, status)
    >>> _ = open(log, "w").writelines(
    ...     f'192.0.2.{i} - - [20/Nov/2026:10:0{m}:0{i} +0000] "GET / HTTP/1.1" {s} 100 "-" "-"\\n'
    ...     for i, (m, s) in enumerate(rows)
    ... )
    >>> a = httplog.analyze(log, window="1m")
    >>> list(figures(a))
    ['timeline', 'error_rates', 'status_codes', 'bandwidth']
    """
    lang = resolve_lang(lang, analysis)
    out: dict[str, go.Figure] = {}
    for name, make in (
        ("timeline", timeline),
        ("error_rates", error_rates),
        ("status_codes", status_codes),
        ("latency", latency),
        ("bandwidth", bandwidth),
        ("host_error_rates", host_error_rates),
    ):
        fig = make(analysis, lang=lang)
        if fig is not None:
            out[name] = fig
    return out


# ------------------------------------------------------- a sketch in SVG


def sketch_svg(fig: go.Figure) -> str:
    """A static SVG of a time chart's filled and line traces, for the page to show
    before plotly.js has loaded (and without JavaScript): the same data, stacked as
    the figure stacks it, with its title and the ends of its axes. Not interactive;
    the report replaces it with the plotly chart. Empty for other figures.

    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> _ = open(log, "w").writelines(
    ...     f'192.0.2.1 - - [20/Nov/2026:10:{m:02d}:00 +0000] "GET / HTTP/1.1" {s} 1 "-" "-"\\n'
    ...     for m, s in [(0, 200), (1, 200), (1, 500), (2, 404)]
    ... )
    >>> svg = sketch_svg(timeline(httplog.analyze(log, window="1m")))
    >>> svg.startswith('<svg class="sketch"'), svg.count("<path")
    (True, 3)
    """
    from datetime import datetime

    traces = [t for t in fig.data if t.type == "scatter" and t.x is not None and len(t.x)]
    if not traces:
        return ""
    try:
        xs = [[datetime.fromisoformat(str(x)).timestamp() for x in t.x] for t in traces]
    except ValueError:
        return ""
    lo, hi = min(min(x) for x in xs), max(max(x) for x in xs)
    if hi <= lo:
        hi = lo + 60
    base: dict[float, float] = {}
    series = []
    for t, x in zip(traces, xs, strict=True):
        y = [float(v) if v is not None else 0.0 for v in t.y]
        if t.stackgroup:
            top = [base.get(a, 0.0) + b for a, b in zip(x, y, strict=True)]
            bottom = [base.get(a, 0.0) for a in x]
            for a, b in zip(x, top, strict=True):
                base[a] = b
        else:
            top, bottom = y, None
        color = t.fillcolor or (t.line.color if t.line else None) or "#888888"
        series.append((x, top, bottom, str(color)))
    ymax = max(max(s[1]) for s in series) or 1.0

    def px(a: float) -> str:
        return f"{(a - lo) / (hi - lo) * 1000:.0f}"

    def py(b: float) -> str:
        return f"{1000 - b / ymax * 1000:.0f}"

    paths = []
    for x, top, bottom, color in series:
        line = " L".join(f"{px(a)},{py(b)}" for a, b in zip(x, top, strict=True))
        if bottom is not None:
            back = " L".join(
                f"{px(a)},{py(b)}" for a, b in zip(reversed(x), reversed(bottom), strict=True)
            )
            paths.append(f'<path d="M{line} L{back} Z" fill="{html.escape(color)}" stroke="none"/>')
        else:
            paths.append(
                f'<path d="M{line}" fill="none" stroke="{html.escape(color)}" '
                'stroke-width="2" vector-effect="non-scaling-stroke"/>'
            )
    height = int(fig.layout.height or _HEIGHT)
    title = html.escape(str(fig.layout.title.text or ""))
    first, last = (html.escape(str(traces[0].x[i])[:16]) for i in (0, -1))
    return (
        f'<svg class="sketch" width="100%" height="{height}" aria-hidden="true">'
        f'<text x="1%" y="26" class="sketch-title">{title}</text>'
        f'<text x="6.5%" y="64" text-anchor="end" class="sketch-tick">{ymax:,.0f}</text>'
        f'<text x="6.5%" y="{height - 60}" text-anchor="end" class="sketch-tick">0</text>'
        f'<text x="7%" y="{height - 38}" class="sketch-tick">{first}</text>'
        f'<text x="97%" y="{height - 38}" text-anchor="end" class="sketch-tick">{last}</text>'
        f'<svg x="7%" y="60" width="90%" height="{height - 120}" viewBox="0 0 1000 1000" '
        f'preserveAspectRatio="none">{"".join(paths)}</svg></svg>'
    )
