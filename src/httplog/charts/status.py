"""The status-code chart and the status table in a language (see :mod:`httplog.charts`)."""

from __future__ import annotations

import html
import textwrap
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from httplog.charts.base import (
    CLASS_COLORS,
    _base_layout,
    _no_data,
    class_names,
    label,
    resolve_lang,
)
from httplog.statuscodes import CLASSES, annotate

if TYPE_CHECKING:
    from httplog.analysis import Analysis

__all__ = ["localized_status", "status_codes"]


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
    >>> import httplog
    >>> a = httplog.analyze(six_requests, window="1m")  # 200 200 | 404 | 503 503 200
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
    >>> import httplog
    >>> a = httplog.analyze(six_requests, window="1m")  # 200 200 | 404 | 503 503 200
    >>> localized_status(a, "zh").select("status", "class", "reason").rows()
    [(200, '2xx', 'OK'), (404, '4xx', 'Not Found'), (503, '5xx', 'Service Unavailable')]
    """
    status = analysis.status.filter(pl.col("requests") > 0)
    if analysis.view.lang == lang:
        return status
    texts = [c for c in ("class", "reason", "description") if c in status.columns]
    return annotate(status.drop(texts), lang).select(analysis.status.columns)
