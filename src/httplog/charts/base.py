"""What every chart shares: colours, labels, the layout, the time axis and the steps
that draw windows (see :mod:`httplog.charts`)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import polars as pl

from httplog.statuscodes import check_lang, class_table
from httplog.windows import tz_label, wall_clock

if TYPE_CHECKING:
    from httplog.analysis import Analysis

__all__ = [
    "BYTES_COLOR",
    "CLASS_COLORS",
    "ISOLATED_MARKER",
    "LATENCY_COLORS",
    "class_names",
    "label",
    "resolve_lang",
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
    # windows on whole minutes drop the seconds: 3 bytes less a point, the same date to plotly.js
    whole = times.is_empty() or bool((times.dt.second() == 0).all())
    return times.dt.strftime(_TIME_FORMAT.removesuffix(":%S") if whole else _TIME_FORMAT).to_list()


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
