"""Render an :class:`~httplog.analysis.Analysis` as one self-contained HTML page.

The page is ``templates/report.html.j2`` filled in by Jinja2 with autoescaping
on: every string that comes from a log (paths, agents, referers, clients,
rejected lines, file names) is inserted as text, with control, bidi and other
invisible characters first made visible (:func:`httplog.display.visible`).
The tables (:mod:`httplog.report.tables`) and the charts (the figures of
:mod:`httplog.charts`) are also serialised into JSON blocks that are safe
inside ``<script>`` (:func:`script_json`), drawn by the page's own two
scripts, ``templates/tables.js`` and ``templates/report.js``; plotly.js is in
the page once, compressed (:func:`plotly_bundle`). A Content-Security-Policy
admits only those scripts (by hash) and no network access at all, so even
text that slipped through could neither run nor phone home.

Examples
--------
>>> import httplog, pathlib, tempfile
>>> log = pathlib.Path(tempfile.mkdtemp(), "access.log")
>>> line = '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET /</script> HTTP/1.1" 404 0 "-" "x"'
>>> _ = log.write_text(line + "\\n")
>>> page = render_report(httplog.analyze(log), plotly_js="cdn")
>>> "/&lt;/script&gt;" in page, page.count("<script src=")
(True, 1)
>>> print(script_json({"agent": "</script><script>alert(1)</script>"}))
{"agent":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"}
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httplog.charts as charts
from httplog.display import visible
from httplog.errors import UsageError
from httplog.outputs import atomic_open
from httplog.report.bundle import B122_ILLEGAL as B122_ILLEGAL
from httplog.report.bundle import PlotlyBundle as PlotlyBundle
from httplog.report.bundle import _deflate as _deflate
from httplog.report.bundle import _deflated as _deflated
from httplog.report.bundle import _script_text as _script_text
from httplog.report.bundle import base122 as base122
from httplog.report.bundle import plotly_bundle as plotly_bundle
from httplog.report.bundle import unbase122 as unbase122
from httplog.report.context import PLOTLY_CONFIG, _context, _environment, script_json
from httplog.report.tables import KEY_CHARS as KEY_CHARS

if TYPE_CHECKING:
    from httplog.analysis import Analysis

__all__ = [
    "PLOTLY_CONFIG",
    "PlotlyBundle",
    "plotly_bundle",
    "render_report",
    "script_json",
    "visible",
    "write_report",
]


def _chunks(context: dict[str, Any]) -> Iterator[str]:
    """The page, piece by piece (a seam for tests that make rendering fail midway)."""
    return _environment().get_template("report.html.j2").generate(**context)


def _check(analysis: Analysis, lang: str | None, plotly_js: str | os.PathLike[str]) -> str:
    lang = charts.resolve_lang(lang, analysis)
    if not isinstance(plotly_js, str | os.PathLike):
        msg = f"plotly_js must be 'inline', 'cdn' or the path of a plotly.js bundle, not {plotly_js!r}"
        raise UsageError(msg)
    return lang


def render_report(
    analysis: Analysis,
    *,
    lang: str | None = None,
    plotly_js: str | os.PathLike[str] = "inline",
    title: str | None = None,
) -> str:
    """Return the report page of ``analysis`` as a string (see :func:`write_report`).

    Examples
    --------
    >>> import httplog, os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> _ = open(log, "w").write(
    ...     '192.0.2.1 - - [20/Nov/2026:10:00:00 +0000] "GET /api HTTP/1.1" 503 0 "-" "curl/8"\\n'
    ... )
    >>> page = render_report(httplog.analyze(log), lang="zh", plotly_js="cdn")
    >>> "服务器错误" in page and page.startswith("<!DOCTYPE html>")
    True
    """
    lang = _check(analysis, lang, plotly_js)
    return "".join(_chunks(_context(analysis, lang, plotly_js, title)))


def write_report(
    analysis: Analysis,
    path: str | os.PathLike[str],
    *,
    lang: str | None = None,
    plotly_js: str | os.PathLike[str] = "inline",
    title: str | None = None,
) -> None:
    """Write the HTML report of ``analysis`` to ``path``, atomically.

    One self-contained file: summary, charts (plotly), status codes with
    descriptions, error spikes with their explanations, top keys and samples
    of rejected lines, in tables that sort, filter, show more and expand. It
    is written to a temporary file beside ``path`` and renamed over it once
    complete, so ``path`` is either the whole report or untouched.

    Parameters
    ----------
    analysis:
        The result of :func:`httplog.analyze`.
    path:
        Where to write the page; missing directories are created.
    lang:
        ``"en"`` or ``"zh"``: every word of the page, class names, status
        descriptions, dates on the chart axes. Default ``analysis.view.lang``.
    plotly_js:
        ``"inline"`` embeds plotly.js once, compressed (the partial bundle
        shipped with httplog, about 0.5 MB in the page; works offline; see
        :func:`plotly_bundle`); ``"cdn"`` loads it from the CDN plotly.py uses
        (the charts need the network, the tables don't); a path embeds that
        plotly.js bundle instead (e.g. a partial bundle you trust), after
        checking its version and trace types against the figures'.
    title:
        The page's title; default "Access log report: <first input>".

    Raises
    ------
    UsageError
        For an unknown ``lang``, a ``plotly_js`` that is neither a mode nor an
        existing file, or a bundle that can't draw the figures.
    InputError
        If ``path`` (or the bundle) can't be written (read).

    Examples
    --------
    >>> import httplog, os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> log = os.path.join(d, "access.log")
    >>> _ = open(log, "w").write(
    ...     '192.0.2.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 100 "-" "curl/8"\\n'
    ... )
    >>> out = os.path.join(d, "report.html")
    >>> httplog.write_report(httplog.analyze(log), out, lang="en")
    >>> os.path.getsize(out) < 2_300_000
    True
    """
    lang = _check(analysis, lang, plotly_js)
    context = _context(analysis, lang, plotly_js, title)
    with atomic_open(path, "w") as f:
        for chunk in _chunks(context):
            f.write(chunk)
