"""What the report's template is given: the page's facts and cards, its tables
(:mod:`httplog.report.panels`), the charts' JSON, the scripts, plotly.js
(:mod:`httplog.report.bundle`) and the Content-Security-Policy that admits them.

Examples
--------
>>> print(script_json({"agent": "</script>&"}))
{"agent":"\\u003c/script\\u003e\\u0026"}
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import jinja2
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from markupsafe import Markup

import httplog.charts as charts
from httplog.display import visible
from httplog.report.bundle import _plotly_cdn, plotly_bundle
from httplog.report.panels import (
    _dashboard,
    _dim_label,
    _dim_order,
    _host_spike_table,
    _labels,
    _reason,
    _rejected_table,
    _spike_table,
    _status_table,
    _top_frame,
    _top_table,
    _when,
)
from httplog.report.tables import KEY_CHARS, TITLE_CHARS
from httplog.statuscodes import CLASSES
from httplog.summary import detection_text
from httplog.version import package_version
from httplog.windows import tz_label, zone

if TYPE_CHECKING:
    from httplog.analysis import Analysis

__all__ = ["PLOTLY_CONFIG", "script_json"]

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

_SCRIPT_UNSAFE = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}

_PRINT_WIDTH = 700  # px: A4 less 12 mm margins is 703 px
_PRINT_SCALE = 0.75  # printed charts' height / screen height
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
    shown = visible("" if value is None else value)
    if len(shown) <= limit:
        return Cell(shown)
    return Cell(shown[: limit - 1] + "…", shown[:TITLE_CHARS])


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


@cache
def _script(name: str) -> str:
    """One of the page's own scripts (templates/*.js), checked to be safe inline."""
    js = files("httplog.report").joinpath("templates", name).read_text(encoding="utf-8")
    if "</script" in js.lower() or "<!--" in js:  # pragma: no cover - guards the shipped files
        msg = f"{name} must not contain '</script' or '<!--' (it is inlined in <script>)"
        raise RuntimeError(msg)
    return js


@cache
def _plotly_locale(lang: str) -> dict[str, Any] | None:
    """The plotly.js locale of ``lang`` (templates/plotly-locale-<lang>.json), if any."""
    path = files("httplog.report").joinpath("templates", f"plotly-locale-{lang}.json")
    if not path.is_file():
        return None
    locale: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return locale


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


#: Trace types whose defaults the page's templates keep (the figures' types).
_TEMPLATE_TRACES = ("bar", "scatter")


@cache
def _templates_json() -> str:
    """plotly_white and plotly_dark, transparent, in the page's font (JSON).

    Only the defaults of the trace types the figures use are kept: plotly.js
    applies a template at every draw, and these have entries for two dozen types.
    Read from the JSON files plotly.py makes its templates of, keys sorted as
    ``go.layout.Template(...).to_plotly_json()`` writes them (the same text,
    without validating ~6,000 properties: ~0.1 s of every report).
    """
    out = {}
    for key, name in (("light", "plotly_white"), ("dark", "plotly_dark")):
        spec = json.loads(
            files("plotly").joinpath(f"package_data/templates/{name}.json").read_bytes()
        )
        layout = spec.setdefault("layout", {})
        layout["paper_bgcolor"] = "rgba(0,0,0,0)"
        layout["plot_bgcolor"] = "rgba(0,0,0,0)"
        layout.setdefault("font", {})["family"] = _UI_FONT
        spec["data"] = {k: v for k, v in spec.get("data", {}).items() if k in _TEMPLATE_TRACES}
        out[key] = _sorted_keys(spec)
    return str(pio.json.to_json_plotly(out))


def _sorted_keys(x: Any) -> Any:
    """``x`` with the keys of every mapping in it sorted (plotly's own order of properties).

    >>> _sorted_keys({"b": [{"d": 1, "c": 2}], "a": 0})
    {'a': 0, 'b': [{'c': 2, 'd': 1}]}
    """
    if isinstance(x, dict):
        return {k: _sorted_keys(x[k]) for k in sorted(x)}
    if isinstance(x, list):
        return [_sorted_keys(v) for v in x]
    return x


def _figure_json(fig: go.Figure) -> str:
    """The figure's data and layout as JSON, without its template (the page
    has its own: :func:`_templates_json`) and sized by its box. (Read from
    ``to_plotly_json`` rather than a copy of the figure: copying the template
    cost more than the rest of the figure.)"""
    spec = fig.to_plotly_json()
    layout = {k: v for k, v in spec.get("layout", {}).items() if k != "template"}
    layout["autosize"] = True
    data = [{k: v for k, v in trace.items() if k != "uid"} for trace in spec.get("data", [])]
    return str(pio.json.to_json_plotly({"data": data, "layout": layout}))


def _figures_json(figs: dict[str, go.Figure]) -> str:
    """``,"xs":[...],"figures":[...]``: the figures, each x array that more than one
    trace holds written once in ``xs`` and named by its index (``"httplog_x": i``
    in the trace instead of ``"x"``); ``templates/report.js`` puts it back before
    drawing. The timeline's five traces share one time axis, for example.

    >>> a = go.Figure([go.Scatter(x=[1, 2], y=[3, 4]), go.Scatter(x=[1, 2], y=[5, 6])])
    >>> d = json.loads("{" + _figures_json({"a": a})[1:] + "}")
    >>> d["xs"], [t.get("httplog_x") for t in d["figures"][0]["figure"]["data"]]
    ([[1, 2]], [0, 0])
    """
    figures = [(name, json.loads(_figure_json(fig))) for name, fig in figs.items()]
    seen: dict[str, int] = {}
    for _, fig in figures:
        for t in fig.get("data", []):
            if "x" in t:
                key = json.dumps(t["x"])
                seen[key] = seen.get(key, 0) + 1
    xs: list[object] = []
    index: dict[str, int] = {}
    for _, fig in figures:
        for t in fig.get("data", []):
            key = json.dumps(t["x"]) if "x" in t else ""
            if seen.get(key, 0) > 1:
                if key not in index:
                    index[key] = len(xs)
                    xs.append(t["x"])
                del t["x"]
                t["httplog_x"] = index[key]
    dump = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    return (
        ',"xs":'
        + dump(xs)
        + ',"figures":['
        + ",".join(
            '{"id":' + json.dumps(f"chart-{name}") + ',"figure":' + dump(fig) + "}"
            for name, fig in figures
        )
        + "]"
    )


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


def _detection(detection: str, lang: str) -> str:
    """How the format was detected (``combined (200/200 sample lines)``), in ``lang``.

    >>> _detection("combined (200/200 sample lines)", "zh")
    'combined（根据 200 行样本中的 200 行识别）'
    """
    return detection_text(detection, lang)


def _rejected_summary(analysis: Analysis, lang: str) -> str:
    """``"5 (empty 2, binary 1)"``: the rejected count with its reasons."""
    sep_ = "，" if lang == "zh" else ", "
    reasons = sep_.join(
        f"{visible(_reason(k, lang))} {_int(v)}" for k, v in analysis.rejected_by_reason.items()
    )
    sep = "（" if lang == "zh" else " ("
    end = "）" if lang == "zh" else ")"
    return _int(analysis.rejected) + (f"{sep}{reasons}{end}" if reasons else "")


def _filters(analysis: Analysis, lang: str) -> list[str]:
    L = _labels(lang)
    o, tz, bots = analysis.filter, analysis.view.tz, analysis.view.bots
    out = []
    if o.since is not None:
        out.append(L("filter_since", when=_when(o.since, tz)))
    if o.until is not None:
        out.append(L("filter_until", when=_when(o.until, tz)))
    if o.status:
        out.append(L("filter_status", codes=",".join(o.status)))
    if o.path_prefix:
        out.append(L("filter_path", prefix=o.path_prefix))
    if bots != "include":
        out.append(L(f"filter_bots_{bots}") if bots in ("exclude", "only") else f"bots {bots}")
    return [visible(f) for f in out]


def _figure_types(figs: dict[str, go.Figure]) -> set[str]:
    return {t.type for fig in figs.values() for t in fig.data if t.type}


def _context(
    analysis: Analysis, lang: str, plotly_js: str | os.PathLike[str], title: str | None
) -> dict[str, Any]:
    L = _labels(lang)
    tz = analysis.view.tz
    clock = L(f"tz_{analysis.tz_source}", tz=tz_label(tz))
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
        time_range = f"{_when(t0, tz)} – {_when(t1, tz)} ({clock})"

    figs = charts.figures(analysis, lang=lang) if requests else {}
    chart_list = [
        {
            "id": f"chart-{name}",
            "name": name,
            "title": fig.layout.title.text or name,
            "sketch": None,
        }
        for name, fig in figs.items()
    ]
    if chart_list:  # the first chart drawn at once, as an SVG, while plotly.js loads
        chart_list[0]["sketch"] = Markup(charts.sketch_svg(next(iter(figs.values()))))
    config = dict(PLOTLY_CONFIG)
    locale = _plotly_locale(lang) if figs else None
    if locale is not None:
        config["locale"] = locale["name"]
    scripts = [_script("tables.js"), _script("report.js")]
    bundle = None
    cdn_url = cdn_sri = None
    mode = plotly_js if isinstance(plotly_js, str) and plotly_js in PLOTLY_JS_MODES else "path"
    if mode == "cdn":
        if figs:
            cdn_url, cdn_sri = _plotly_cdn()
    elif figs:
        bundle = plotly_bundle(plotly_js, _figure_types(figs))
    elif mode == "path":
        plotly_bundle(plotly_js)  # a bad path is an error even when there is nothing to draw
    charts_json = (
        '{"config":'
        + json.dumps(config)
        + ',"integrity":'
        + json.dumps(_csp_hash(bundle.js).strip("'") if bundle else None)
        + ',"print_width":'
        + str(_PRINT_WIDTH)
        + ',"print_scale":'
        + str(_PRINT_SCALE)
        + ',"locale":'
        + json.dumps(locale, ensure_ascii=False)
        + ',"templates":'
        + (_templates_json() if figs else "{}")
        + _figures_json(figs)
        + "}"
    )

    script_src = " ".join(_csp_hash(s) for s in ([bundle.js] if bundle else []) + scripts)
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
        fmt_note = f"{L('detection')}: {_detection(analysis.detection, lang)}"
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
        (L("tz"), visible(clock)),
        (L("filters"), ", ".join(_filters(analysis, lang)) or L("no_filters")),
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

    show = analysis.view.top
    top = _top_frame(analysis)
    top_errors: list[dict[str, Any]] = []
    for scope in ("4xx", "5xx"):
        label = L(f"top_{scope}_paths")
        frame = top.filter((pl.col("dimension") == "path") & (pl.col("scope") == scope))
        top_errors.append(
            {"kind": scope, "table": _top_table(frame, f"t-top-{scope}-path", label, lang, show)}
        )
    all_scope = top.filter(pl.col("scope") == "all")
    top_all: list[dict[str, Any]] = []
    for dim in _dim_order(all_scope["dimension"].unique().to_list()):
        label = _dim_label(dim, lang)
        frame = all_scope.filter(pl.col("dimension") == dim)
        top_all.append({"table": _top_table(frame, f"t-top-all-{dim}", label, lang, show)})

    status_table = _status_table(analysis, lang)
    spike_table = _spike_table(analysis, lang)
    rejected_table = _rejected_table(analysis, lang)
    host_spike_table = _host_spike_table(analysis, lang)
    dashboard = _dashboard(analysis, lang)
    all_tables = [status_table, spike_table, rejected_table]
    all_tables += [host_spike_table] if host_spike_table is not None else []
    all_tables += [t["table"] for t in top_errors + top_all + dashboard]
    tables_json = script_json(
        {
            "key_chars": KEY_CHARS,
            "labels": {
                k: L(f"table_{k}")
                for k in (
                    "filter",
                    "filter_label",
                    "show_more",
                    "show_all",
                    "rows_shown",
                    "rows_matching",
                    "no_match",
                    "details",
                    "sort_by",
                )
            },
            "tables": {t.id: t.spec() for t in all_tables if t.rows},
        }
    )

    when = datetime.now(zone(tz)).strftime("%Y-%m-%d %H:%M %Z")
    return {
        "lang": lang,
        "html_lang": "zh-Hans" if lang == "zh" else lang,
        "tz": visible(tz_label(tz)),
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
        "status_table": status_table,
        "spike_table": spike_table,
        "host_spike_table": host_spike_table,
        "top_errors": top_errors,
        "top_all": top_all,
        "dashboard": dashboard,
        "rejected_table": rejected_table,
        "csp": csp,
        "css": _css(),
        "charts_json": Markup(_script_safe(charts_json)),
        "tables_json": Markup(tables_json),
        "plotly_payload": Markup(bundle.payload()[0]) if bundle else None,
        "plotly_bytes": bundle.payload()[1] if bundle else 0,
        "cdn_url": cdn_url,
        "cdn_sri": cdn_sri,
        "tables_js": Markup(scripts[0]),
        "report_js": Markup(scripts[1]),
        "generated": L("generated", version=package_version(), when=when),
    }
