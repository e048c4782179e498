"""Render an :class:`~httplog.analysis.Analysis` as one self-contained HTML page.

The page is ``templates/report.html.j2`` filled in by Jinja2 with autoescaping
on: every string that comes from a log (paths, agents, referers, clients,
rejected lines, file names) is inserted as text, with control, bidi and other
invisible characters first made visible (:func:`httplog.display.visible`). The charts are the
figures of :mod:`httplog.charts`, serialised once into a JSON block that is
safe inside ``<script>`` (:func:`script_json`) and drawn by one small script.
A Content-Security-Policy admits only the page's own scripts (by hash) and no
network access at all, so even text that slipped through could neither run
nor phone home.

Examples
--------
>>> import httplog, os, tempfile
>>> d = tempfile.mkdtemp()
>>> log = os.path.join(d, "access.log")
>>> _ = open(log, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET /</script> HTTP/1.1" 404 0 "-" "x"\\n'
... )
>>> write_report(httplog.analyze(log), os.path.join(d, "report.html"), plotly_js="cdn")
>>> page = open(os.path.join(d, "report.html"), encoding="utf-8").read()
>>> "/&lt;/script&gt;" in page, page.count("<script src=")
(True, 1)
>>> print(script_json({"agent": "</script><script>alert(1)</script>"}))
{"agent":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"}
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from markupsafe import Markup

import httplog.charts as charts
from httplog.display import visible
from httplog.errors import UsageError
from httplog.outputs import atomic_open
from httplog.statuscodes import CLASSES, describe
from httplog.version import package_version

if TYPE_CHECKING:
    from httplog.analysis import Analysis

__all__ = ["PLOTLY_CONFIG", "render_report", "script_json", "visible", "write_report"]

#: plotly.js config of every chart: no logo, no button that sends data anywhere.
#: ``showSendToCloud`` (plotly.js 4's "Share chart..." button, ``sendChartToCloud``,
#: which uploads the figure to ``plotlyServerURL``; on by default) is off, the
#: button is removed by name as well and the server URL emptied. The box and
#: lasso select tools, of no use on these charts, are removed too.
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": ["sendChartToCloud", "select2d", "lasso2d"],
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

PLOTLY_JS_MODES = ("inline", "cdn")

#: Longest key shown in full in a table cell; longer ones are cut, with the
#: whole text in the cell's ``title``.
KEY_CHARS = 160
#: Longest rejected line shown in full.
LINE_CHARS = 600
#: Longest text kept in a ``title`` attribute.
TITLE_CHARS = 4000

_DIMENSION_ORDER = ("status", "path", "remote_addr", "user_agent", "referer", "upstream_addr")

_SCRIPT_UNSAFE = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}

_APP_JS = """\
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("httplog-data").textContent);
  if (!data.figures.length) { return; }
  if (typeof Plotly === "undefined") {
    var note = document.getElementById("charts-unavailable");
    if (note) { note.hidden = false; }
    return;
  }
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var printing = false;
  function template() {
    return !printing && dark && dark.matches ? data.templates.dark : data.templates.light;
  }
  function draw(extra) {
    data.figures.forEach(function (f) {
      var el = document.getElementById(f.id);
      if (!el) { return; }
      var layout = Object.assign({}, f.figure.layout, {template: template()}, extra || {});
      Plotly.react(el, f.figure.data, layout, data.config);
    });
  }
  draw();
  if (dark && dark.addEventListener) {
    dark.addEventListener("change", function () { draw(); });
  }
  window.addEventListener("beforeprint", function () {
    printing = true;
    draw({width: data.print_width});
  });
  window.addEventListener("afterprint", function () {
    printing = false;
    draw();
    data.figures.forEach(function (f) {
      var el = document.getElementById(f.id);
      if (el) { Plotly.Plots.resize(el); }
    });
  });
})();
"""

_PRINT_WIDTH = 700
_UI_FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, '
    '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
)


def script_json(value: object) -> str:
    """Serialise ``value`` as JSON that can sit inside ``<script>`` in HTML.

    ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\uXXXX`` escapes, so
    no string in the data can end the script (``</script>``), open a comment
    (``<!--``) or break a JavaScript string literal.

    Examples
    --------
    >>> print(script_json({"agent": "</script>&"}))
    {"agent":"\\u003c/script\\u003e\\u0026"}
    """
    return _script_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _script_safe(json_text: str) -> str:
    """Escape an already serialised JSON text as :func:`script_json` does.

    The characters replaced can only occur inside JSON strings, where the
    ``\\uXXXX`` form means the same character.
    """
    return json_text.translate(_SCRIPT_UNSAFE)


@dataclass(frozen=True)
class Cell:
    """A log-derived text for a table cell: what is shown, and the full text if cut."""

    text: str
    full: str | None = None


def _cell(value: object, limit: int = KEY_CHARS) -> Cell:
    text = visible("" if value is None else value)
    if len(text) <= limit:
        return Cell(text)
    return Cell(text[: limit - 1] + "…", text[:TITLE_CHARS])


def _int(n: Any) -> str:
    return f"{int(n or 0):,}"


def _pct(x: Any, digits: int = 2) -> str:
    return f"{float(x or 0) * 100:.{digits}f}%"


def _size(n: Any) -> str:
    v = float(n or 0)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if v < 1000 or unit == "TB":
            return f"{v:,.0f} {unit}" if unit == "B" else f"{v:,.1f} {unit}"
        v /= 1000
    raise AssertionError  # pragma: no cover


def _when(t: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if t is None:
        return ""
    if t.tzinfo is not None:
        t = t.astimezone(ZoneInfo(tz))
    return t.strftime(fmt)


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    js = str(get_plotlyjs()).replace("\r\n", "\n").replace("\r", "\n")
    # An HTML parser ends a script at "</script" and treats "<!--" specially;
    # the bundle has neither today, but make sure it never will.
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


@cache
def _plotly_cdn() -> tuple[str, str]:
    """URL plotly.py itself uses for the bundled plotly.js, and its SRI hash."""
    try:
        from plotly.io._utils import plotly_cdn_url

        url = plotly_cdn_url()
    except ImportError:  # pragma: no cover - private helper moved
        from plotly.offline import get_plotlyjs_version

        url = f"https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"
    from plotly.offline import get_plotlyjs

    digest = hashlib.sha384(get_plotlyjs().encode("utf-8")).digest()
    return url, "sha384-" + base64.b64encode(digest).decode("ascii")


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def _templates_json() -> str:
    """plotly_white and plotly_dark, transparent, in the page's font (JSON)."""
    out = {}
    for key, name in (("light", "plotly_white"), ("dark", "plotly_dark")):
        t = go.layout.Template(pio.templates[name])
        t.layout.paper_bgcolor = "rgba(0,0,0,0)"
        t.layout.plot_bgcolor = "rgba(0,0,0,0)"
        t.layout.font.family = _UI_FONT
        out[key] = t.to_plotly_json()
    return str(pio.json.to_json_plotly(out))


def _figure_json(fig: go.Figure) -> str:
    fig = go.Figure(fig)
    fig.layout.template = None
    fig.update_layout(autosize=True)
    return str(pio.to_json(fig, validate=False, remove_uids=True))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("httplog.report", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "j2", "xml"), default_for_string=True, default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@cache
def _css() -> Markup:
    env = _environment()
    assert env.loader is not None  # (_environment gives it one)
    text = env.loader.get_source(env, "report.css")[0]
    if "</" in text:  # pragma: no cover - guards the shipped stylesheet
        msg = "report.css must not contain '</' (it is inlined in <style>)"
        raise RuntimeError(msg)
    return Markup(text)


def _status_rows(analysis: Analysis, lang: str) -> list[dict[str, Any]]:
    names = charts.class_names(lang)
    status = charts.localized_status(analysis, lang)
    return [
        {
            "code": int(r["status"]),
            "reason": r["reason"] or "",
            "description": r["description"] or "",
            "class": r["class"],
            "class_name": names.get(r["class"], r["class"]),
            "requests": _int(r["requests"]),
            "share": _pct(r["share"]),
            "bar": round(float(r["share"] or 0) * 100, 2),
        }
        for r in status.iter_rows(named=True)
    ]


def _top_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "rank": int(r["rank"]),
            "key": _cell(r["key"]),
            "requests": _int(r["requests"]),
            "share": _pct(r["share"]),
        }
        for r in frame.sort("rank").iter_rows(named=True)
    ]


def _dim_order(names: list[str]) -> list[str]:
    known = [d for d in _DIMENSION_ORDER if d in names]
    return known + sorted(set(names) - set(known))


def _dim_label(dim: str, lang: str) -> str:
    try:
        return charts.label(f"dim_{dim}", lang, section="report")
    except KeyError:
        return visible(dim)


def _spikes(analysis: Analysis, lang: str) -> list[dict[str, Any]]:
    tz = analysis.view.tz
    out = []
    expl = analysis.explanations
    for s in analysis.spikes.iter_rows(named=True):
        n = int(s["spike"])
        start = _when(s["start"], tz, "%Y-%m-%d %H:%M")
        end_fmt = "%H:%M" if s["start"].date() == s["end"].date() else "%Y-%m-%d %H:%M"
        rows = expl.filter(pl.col("spike") == n)
        dims = []
        for dim in _dim_order(rows["dimension"].unique().to_list()):
            part = rows.filter(pl.col("dimension") == dim).sort("rank")
            entries = []
            for r in part.iter_rows(named=True):
                key = r["key"]
                if dim == "status" and str(key).isdigit():
                    key = f"{key} {describe(int(key), lang).reason}".strip()
                entries.append(
                    {
                        "rank": int(r["rank"]),
                        "key": _cell(key),
                        "count": _int(r["count"]),
                        "share": _pct(r["share"], 1),
                        "baseline_share": _pct(r["baseline_share"], 1),
                        "lift": f"{float(r['lift'] or 0):.2f}",
                        "excess": f"{float(r['excess'] or 0):,.1f}",
                    }
                )
            dims.append({"name": _dim_label(dim, lang), "rows": entries})
        kind = str(s["kind"])
        out.append(
            {
                "id": f"spike-{n}",
                "kind": kind if kind in CLASSES else "5xx",
                "heading": charts.label(
                    "spike_heading",
                    lang,
                    section="report",
                    kind=kind,
                    n=n,
                    start=start,
                    end=_when(s["end"], tz, end_fmt),
                ),
                "facts": charts.label(
                    "spike_facts",
                    lang,
                    section="report",
                    windows=_int(s["windows"]),
                    errors=_int(s["errors"]),
                    requests=_int(s["requests"]),
                    peak=_pct(s["peak_rate"], 1),
                    baseline=_pct(s["baseline_rate"], 1),
                    excess=_int(s["excess"]),
                ),
                "dims": dims,
            }
        )
    return out


def _rejected_summary(analysis: Analysis, lang: str) -> str:
    """``"5 (empty 2, binary 1)"``: the rejected count with its reasons."""
    reasons = ", ".join(f"{visible(k)} {_int(v)}" for k, v in analysis.rejected_by_reason.items())
    sep = "（" if lang == "zh" else " ("
    end = "）" if lang == "zh" else ")"
    return _int(analysis.rejected) + (f"{sep}{reasons}{end}" if reasons else "")


def _filters(analysis: Analysis) -> list[str]:
    o, tz, bots = analysis.filter, analysis.view.tz, analysis.view.bots
    out = []
    if o.since is not None:
        out.append(f"since {_when(o.since, tz)}")
    if o.until is not None:
        out.append(f"until {_when(o.until, tz)}")
    if o.status:
        out.append("status " + ",".join(o.status))
    if o.path_prefix:
        out.append(f"path prefix {o.path_prefix}")
    if bots != "include":
        out.append(f"bots {bots}")
    return [visible(f) for f in out]


def _context(analysis: Analysis, lang: str, plotly_js: str, title: str | None) -> dict[str, Any]:
    def L(key: str, **fields: object) -> str:
        return charts.label(key, lang, section="report", **fields)

    tz = analysis.view.tz
    requests = analysis.requests
    classes = {r["class"]: r for r in analysis.classes.iter_rows(named=True)}
    names = charts.class_names(lang)
    sources = [visible(s) for s in analysis.inputs["source"].to_list()]
    if title is None:
        base = os.path.basename(sources[0]) if sources else ""
        more = f" (+{len(sources) - 1})" if len(sources) > 1 else ""
        title = f"{L('title')}: {base}{more}" if base else L("title")
    time_range = ""
    if analysis.time_range is not None:
        t0, t1 = analysis.time_range
        time_range = f"{_when(t0, tz)} – {_when(t1, tz)} ({tz})"

    figs = charts.figures(analysis, lang=lang) if requests else {}
    chart_list = [
        {"id": f"chart-{name}", "name": name, "title": fig.layout.title.text or name}
        for name, fig in figs.items()
    ]
    data_json = (
        '{"config":'
        + json.dumps(PLOTLY_CONFIG)
        + ',"print_width":'
        + str(_PRINT_WIDTH)
        + ',"templates":'
        + (_templates_json() if figs else "{}")
        + ',"figures":['
        + ",".join(
            '{"id":' + json.dumps(f"chart-{name}") + ',"figure":' + _figure_json(fig) + "}"
            for name, fig in figs.items()
        )
        + "]}"
    )

    scripts = [_APP_JS]
    plotly_inline = None
    cdn_url = cdn_sri = None
    if figs and plotly_js == "inline":
        plotly_inline = _plotly_js()
        scripts.insert(0, plotly_inline)
    elif figs and plotly_js == "cdn":
        cdn_url, cdn_sri = _plotly_cdn()
    script_src = " ".join(_csp_hash(s) for s in scripts)
    if cdn_url:
        script_src += " " + re.sub(r"^(https://[^/]+/).*$", r"\1", cdn_url)
    csp = (
        f"default-src 'none'; script-src {script_src}; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src 'none'; connect-src 'none'; media-src 'none'; "
        "object-src 'none'; frame-src 'none'; worker-src 'none'; base-uri 'none'; "
        "form-action 'none'"
    )

    total_bytes = sum(int(b or 0) for b in analysis.inputs["bytes_read"].to_list())
    inputs = [
        {
            "source": _cell(r["source"]),
            "lines": _int(r["lines"]),
            "parsed": _int(r["parsed"]),
            "rejected": _int(r["rejected"]),
            "bytes_read": _size(r["bytes_read"]),
        }
        for r in analysis.inputs.iter_rows(named=True)
    ]
    if analysis.detection:
        fmt_note = f"{L('detection')}: {analysis.detection}"
    elif analysis.lines:
        fmt_note = L("format_given")
    else:
        fmt_note = ""
    facts = [
        (L("time_range"), time_range or L("no_time_range")),
        (L("lines"), _int(analysis.lines)),
        (L("parsed"), _int(analysis.parsed)),
        (L("rejected"), _rejected_summary(analysis, lang)),
        (L("bytes_read"), _size(total_bytes)),
        (L("format"), visible(analysis.format) + (f" — {visible(fmt_note)}" if fmt_note else "")),
        (L("window"), visible(analysis.window)),
        (L("tz"), visible(tz)),
        (L("filters"), ", ".join(_filters(analysis)) or L("no_filters")),
    ]

    spikes = analysis.spikes
    cards = [
        {"label": L("card_requests"), "value": _int(requests), "kind": ""},
        {
            "label": L("card_4xx"),
            "value": _pct(classes.get("4xx", {}).get("share", 0)),
            "kind": "4xx",
        },
        {
            "label": L("card_5xx"),
            "value": _pct(classes.get("5xx", {}).get("share", 0)),
            "kind": "5xx",
        },
        {"label": L("card_spikes"), "value": _int(spikes.height), "kind": ""},
        {"label": L("card_rejected"), "value": _int(analysis.rejected), "kind": ""},
    ]

    top = analysis.top
    top_errors = [
        {
            "title": L(f"top_{scope}_paths"),
            "kind": scope,
            "rows": _top_rows(
                top.filter((pl.col("dimension") == "path") & (pl.col("scope") == scope))
            ),
        }
        for scope in ("4xx", "5xx")
    ]
    all_scope = top.filter(pl.col("scope") == "all")
    top_all = [
        {
            "title": _dim_label(dim, lang),
            "rows": _top_rows(all_scope.filter(pl.col("dimension") == dim)),
        }
        for dim in _dim_order(all_scope["dimension"].unique().to_list())
    ]

    rejected_samples = [
        {
            "where": _cell(f"{r['source']}:{r['line']}"),
            "reason": visible(r["reason"]),
            "text": _cell(r["text"], LINE_CHARS),
        }
        for r in analysis.rejected_samples.iter_rows(named=True)
    ]

    when = datetime.now(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")
    return {
        "lang": lang,
        "html_lang": "zh-Hans" if lang == "zh" else lang,
        "tz": visible(tz),
        "L": L,
        "title": visible(title),
        "subtitle": " · ".join(x for x in (", ".join(sources), time_range) if x),
        "empty": requests == 0,
        "cards": cards,
        "facts": facts,
        "inputs": inputs,
        "classes": [
            {
                "class": c,
                "name": names[c],
                "requests": _int(classes.get(c, {}).get("requests", 0)),
                "share": _pct(classes.get(c, {}).get("share", 0)),
                "bar": round(float(classes.get(c, {}).get("share", 0) or 0) * 100, 2),
            }
            for c in CLASSES
        ],
        "charts": chart_list,
        "status": _status_rows(analysis, lang),
        "spikes": _spikes(analysis, lang),
        "top_errors": top_errors,
        "top_all": top_all,
        "rejected_samples": rejected_samples,
        "csp": csp,
        "css": _css(),
        "data_json": Markup(_script_safe(data_json)),
        "plotly_inline": Markup(plotly_inline) if plotly_inline else None,
        "cdn_url": cdn_url,
        "cdn_sri": cdn_sri,
        "app_js": Markup(_APP_JS),
        "generated": L("generated", version=package_version(), when=when),
    }


def _chunks(context: dict[str, Any]) -> Iterator[str]:
    """The page, piece by piece (a seam for tests that make rendering fail midway)."""
    return _environment().get_template("report.html.j2").generate(**context)


def _check(analysis: Analysis, lang: str | None, plotly_js: str) -> str:
    lang = charts.resolve_lang(lang, analysis)
    if plotly_js not in PLOTLY_JS_MODES:
        msg = f"plotly_js must be one of {', '.join(PLOTLY_JS_MODES)}, not {plotly_js!r}"
        raise UsageError(msg)
    return lang


def render_report(
    analysis: Analysis,
    *,
    lang: str | None = None,
    plotly_js: str = "inline",
    title: str | None = None,
) -> str:
    """Return the report page of ``analysis`` as a string (see :func:`write_report`).

    Examples
    --------
    >>> from httplog.charts import _example_analysis
    >>> page = render_report(_example_analysis(), lang="zh", plotly_js="cdn")
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
    plotly_js: str = "inline",
    title: str | None = None,
) -> None:
    """Write the HTML report of ``analysis`` to ``path``, atomically.

    One self-contained file: summary, charts (plotly), status codes with
    descriptions, error spikes with their explanations, top keys and samples
    of rejected lines. It is written to a temporary file beside ``path`` and
    renamed over it once complete, so ``path`` is either the whole report or
    untouched.

    Parameters
    ----------
    analysis:
        The result of :func:`httplog.analyze`.
    path:
        Where to write the page; missing directories are created.
    lang:
        ``"en"`` or ``"zh"``: headings, class names and status descriptions.
        Default ``analysis.view.lang``.
    plotly_js:
        ``"inline"`` embeds plotly.js once (about 4.8 MB; works offline);
        ``"cdn"`` loads it from the CDN plotly.py uses (a small file that needs
        the network to draw its charts; the tables work without).
    title:
        The page's title; default "Access log report: <first input>".

    Raises
    ------
    UsageError
        For an unknown ``lang`` or ``plotly_js``.
    InputError
        If ``path`` can't be written.

    Examples
    --------
    >>> import httplog, os, tempfile
    >>> from httplog.charts import _example_analysis
    >>> out = os.path.join(tempfile.mkdtemp(), "report.html")
    >>> httplog.write_report(_example_analysis(), out, lang="en", plotly_js="cdn")
    >>> os.path.getsize(out) < 500_000
    True
    """
    lang = _check(analysis, lang, plotly_js)
    context = _context(analysis, lang, plotly_js, title)
    with atomic_open(path, "w") as f:
        for chunk in _chunks(context):
            f.write(chunk)
