"""A static SVG of the first chart, shown before plotly.js has loaded (see :mod:`httplog.charts`)."""

from __future__ import annotations

import html

import plotly.graph_objects as go

from httplog.charts.base import _HEIGHT

__all__ = ["sketch_svg"]


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
    >>> svg = sketch_svg(httplog.charts.timeline(httplog.analyze(log, window="1m")))
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
