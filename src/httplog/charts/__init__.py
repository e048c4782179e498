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
The examples' ``six_requests`` is a combined log the repository's ``conftest.py``
writes: two 200s at 10:00, a 404 at 10:01, two 503s and a 200 at 10:02.

>>> import httplog
>>> a = httplog.analyze(six_requests, window="1m")  # 200 200 | 404 | 503 503 200
>>> fig = httplog.charts.timeline(a)
>>> fig.layout.title.text
'Requests over time by status class'
>>> [t.name for t in fig.data]
['2xx success', '4xx client error', '5xx server error']
>>> sorted(figures(a, lang="zh"))
['bandwidth', 'error_rates', 'status_codes', 'timeline']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from httplog.charts.base import (
    BYTES_COLOR,
    CLASS_COLORS,
    ISOLATED_MARKER,
    LATENCY_COLORS,
    class_names,
    label,
    resolve_lang,
)
from httplog.charts.over_time import (
    HOST_ROWS,
    bandwidth,
    error_rates,
    host_error_rates,
    latency,
    timeline,
)
from httplog.charts.sketch import sketch_svg
from httplog.charts.status import localized_status, status_codes

if TYPE_CHECKING:
    from httplog.analysis import Analysis

__all__ = [
    "BYTES_COLOR",
    "CLASS_COLORS",
    "HOST_ROWS",
    "ISOLATED_MARKER",
    "LATENCY_COLORS",
    "bandwidth",
    "class_names",
    "error_rates",
    "figures",
    "host_error_rates",
    "label",
    "latency",
    "localized_status",
    "resolve_lang",
    "sketch_svg",
    "status_codes",
    "timeline",
]


def figures(analysis: Analysis, *, lang: str | None = None) -> dict[str, go.Figure]:
    """All charts that apply to ``analysis``, by name, in the report's order.

    Names: ``timeline``, ``error_rates``, ``status_codes``, ``latency`` (when the
    log has latencies), ``bandwidth`` (when it has bytes) and
    ``host_error_rates`` (when it has virtual hosts: ``analysis.host_timeline``).

    Examples
    --------
    >>> import httplog
    >>> a = httplog.analyze(six_requests, window="1m")  # 200 200 | 404 | 503 503 200
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
