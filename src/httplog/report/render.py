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
import contextlib
import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.metadata import version as _dist_version
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import jinja2
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from markupsafe import Markup

import httplog.charts as charts
from httplog.display import percent_decoded, visible
from httplog.errors import InputError, UsageError
from httplog.outputs import PANELS, atomic_open
from httplog.reduce import top_n
from httplog.report.tables import KEY_CHARS, TITLE_CHARS, Column, SubTable, Table, text
from httplog.spikes import ranked_explanations
from httplog.statuscodes import CLASSES, describe
from httplog.version import package_version
from httplog.windows import tz_label, zone

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

#: Longest rejected line shown in full.
LINE_CHARS = 600
#: Rows a top-keys table holds ("show more" reveals them; ``view.top`` show at first).
TABLE_ROWS = 100

_DIMENSION_ORDER = ("status", "path", "remote_addr", "user_agent", "referer", "upstream_addr")

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


def _when(t: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if t is None:
        return ""
    if t.tzinfo is not None:
        t = t.astimezone(zone(tz))
    return t.strftime(fmt)


def _script_text(js: str) -> str:
    """plotly.js as text that can sit in (or be inserted as) an inline script."""
    js = js.replace("\r\n", "\n").replace("\r", "\n")
    # An HTML parser ends a script at "</script" and treats "<!--" specially;
    # the bundles have neither today, but make sure they never will.
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


_VERSION_RE = re.compile(r"plotly\.js\b[^\n]{0,60}?\bv(\d+)\.(\d+)\.(\d+)")
_TRACE_RE = re.compile(r'moduleType:\s*"trace",\s*name:\s*"([a-z0-9]+)"')


@dataclass(frozen=True)
class PlotlyBundle:
    """A plotly.js bundle the report can embed: its text, version and trace types."""

    source: str
    js: str
    version: tuple[int, int, int]
    traces: frozenset[str]

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    def payload(self) -> tuple[str, int]:
        """The bundle deflate-compressed (raw deflate, level 9) and base-122-encoded
        (:func:`base122`), and its compressed size in bytes."""
        return _payload(self.js)

    def check(self, needs: set[str]) -> None:
        """Raise :class:`UsageError` unless this bundle can draw figures of trace types ``needs``.

        The figures are made by plotly.py for its own plotly.js
        (:func:`plotly.offline.get_plotlyjs_version`): the bundle must have the
        same major version and at least its minor version, and every trace
        type the figures use.
        """
        want = _required_version()
        if self.version[0] != want[0] or self.version[1] < want[1]:
            msg = (
                f"plotly.js bundle {self.source} is version {self.version_text}; the report's "
                f"figures need {want[0]}.{want[1]} or a later {want[0]}.x (plotly.py "
                f"{_dist_version('plotly')} bundles {'.'.join(map(str, want))})"
            )
            raise UsageError(msg)
        missing = sorted(needs - self.traces)
        if missing:
            msg = (
                f"plotly.js bundle {self.source} lacks the trace type(s) {', '.join(missing)} "
                "that the report's figures use"
            )
            raise UsageError(msg)


@cache
def _payload(js: str) -> tuple[str, int]:
    """(the text, the compressed size in bytes): see :func:`base122`."""
    packed = _deflated(js)
    return base122(packed), len(packed)


def _deflate(raw: bytes) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return z.compress(raw) + z.flush()


def _cache_dir() -> str:
    """Where the deflated bundle is kept between runs: ``$XDG_CACHE_HOME/httplog``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "httplog")


def _deflated(js: str) -> bytes:
    """``js`` raw-deflated at level 9, from the on-disk cache when it holds it.

    Level 9 costs ~0.3 s of CPU for plotly.min.js on every report, so the result
    is kept in :func:`_cache_dir` under the sha256 of the text. The page executes
    what the cache holds, so a cached file is used only if it inflates back to
    exactly ``js``; anything else (missing, unreadable, corrupt, another text) is
    recomputed, and a cache that can't be written is simply not written.

    >>> _deflated("x" * 1000) == _deflate(b"x" * 1000)
    True
    """
    raw = js.encode("utf-8")
    path = os.path.join(_cache_dir(), f"plotly-{hashlib.sha256(raw).hexdigest()}.deflate")
    try:
        with open(path, "rb") as f:
            packed = f.read()
        if zlib.decompress(packed, -15) == raw:
            return packed
    except (OSError, zlib.error):
        pass
    packed = _deflate(raw)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(packed)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return packed


#: 7-bit values a base-122 text never holds as such: NUL (the HTML parser makes it
#: U+FFFD), CR (made LF) and ``<`` (it could start ``</script``).
B122_ILLEGAL = (0, 13, 60)


@cache
def _b122_chars() -> pl.Series:
    """Every character base-122 writes (code points 0..0x7FF), indexed by code point."""
    return pl.Series([chr(c) for c in range(0x800)], dtype=pl.String)


def base122(data: bytes) -> str:
    """``data`` as text for an HTML ``<script>`` data block, 8/7 of its size in UTF-8.

    Base-122 (after Kevin Albertson's): the bits are read 7 at a time; each 7-bit
    value is one ASCII character, except the three of :data:`B122_ILLEGAL`, which
    go with the next 7 bits into one two-byte character, U+0080 + (index << 8) +
    next (index 7: the last value, alone). ``templates/report.js`` decodes it.
    Base64 takes 4/3 as much.

    >>> t = base122(bytes(range(256)) * 4)
    >>> len(t.encode("utf-8")) < 1024 * 8 / 7 * 1.05, set(t) & {chr(0), chr(13), "<"}
    (True, set())
    >>> unbase122(t, 1024) == bytes(range(256)) * 4
    True
    """
    k = (len(data) * 8 + 6) // 7
    if k == 0:
        return ""
    b = pl.Series([data + b"\0\0"], dtype=pl.Binary).cast(pl.List(pl.UInt8)).explode()
    b = b.cast(pl.UInt32)
    pos = pl.int_range(0, k, eager=True, dtype=pl.Int64) * 7
    div = pl.Series([2 ** (9 - x) for x in range(8)], dtype=pl.UInt32).gather(pos % 8)
    v = (b.gather(pos // 8) * 256 + b.gather(pos // 8 + 1)) // div % 128
    # An illegal value takes the next one with it, unless it was itself taken by
    # the one before: in a run of illegal values, the 1st, 3rd, ... lead. Only the
    # illegal values (~1 in 43) go through this.
    marks = v.is_in(list(B122_ILLEGAL)).arg_true().cast(pl.Int64)
    i = pl.col("i")
    run_start = pl.when(i.diff().fill_null(0) != 1).then(i).forward_fill()
    leads = (
        pl.DataFrame({"i": marks, "x": v.gather(marks)})
        .filter((i - run_start) % 2 == 0)
        .with_columns(y=pl.lit(v).gather((i + 1).clip(upper_bound=k - 1)))
        .select(
            "i",
            code=pl.when(i + 1 < k)
            .then(
                0x80
                + pl.col("x").replace_strict(
                    list(B122_ILLEGAL),
                    [j * 256 for j in range(len(B122_ILLEGAL))],
                    return_dtype=pl.UInt32,
                )
                + pl.col("y")
            )
            .otherwise(0x80 + 7 * 256 + pl.col("x")),
        )
    )
    codes = v.scatter(leads.get_column("i"), leads.get_column("code"))
    taken = leads.get_column("i") + 1
    keep = pl.repeat(True, k, eager=True).scatter(taken.filter(taken < k), False)
    codes = codes.filter(keep)
    return str(_b122_chars().gather(codes).str.join("").item())


def unbase122(text: str, size: int) -> bytes:
    """The ``size`` bytes :func:`base122` made ``text`` of (what the page's script does)."""
    out = bytearray()
    acc = bits = 0
    for ch in text:
        c = ord(ch)
        if c < 128:
            values = [c]
        else:
            i = (c >> 8) & 7
            values = [c & 0x7F] if i == 7 else [B122_ILLEGAL[i], c & 0x7F]
        for x in values:
            acc, bits = (acc << 7) | x, bits + 7
            if bits >= 8:
                bits -= 8
                out.append((acc >> bits) & 0xFF)
                acc &= (1 << bits) - 1
    return bytes(out[:size])


def _bundle_of(source: str, js: str) -> PlotlyBundle:
    head = _VERSION_RE.search(js[:2000])
    if head is None:
        msg = f"{source} does not look like a plotly.js bundle (no 'plotly.js ... vX.Y.Z' header)"
        raise UsageError(msg)
    version = (int(head.group(1)), int(head.group(2)), int(head.group(3)))
    return PlotlyBundle(source, _script_text(js), version, frozenset(_TRACE_RE.findall(js)))


@cache
def _required_version() -> tuple[int, int, int]:
    from plotly.offline import get_plotlyjs_version

    major, minor, patch = (re.sub(r"\D.*", "", p) or "0" for p in get_plotlyjs_version().split("."))
    return int(major), int(minor), int(patch)


@cache
def _full_bundle() -> PlotlyBundle:
    from plotly.offline import get_plotlyjs

    return _bundle_of("plotly.py's plotly.min.js", get_plotlyjs())


@cache
def _user_bundle(path: str, size: int, mtime: float) -> PlotlyBundle:
    try:
        with open(path, encoding="utf-8") as f:
            js = f.read()
    except (OSError, UnicodeDecodeError) as e:
        msg = f"can't read the plotly.js bundle {visible(path)}: {e}"
        raise InputError(msg) from None
    return _bundle_of(visible(path), js)


def plotly_bundle(
    plotly_js: str | os.PathLike[str] = "inline", needs: set[str] | None = None
) -> PlotlyBundle:
    """The plotly.js bundle ``write_report(..., plotly_js=...)`` embeds.

    ``"inline"``: plotly.py's own bundle (the version its figures are made
    for). A path: that file (a partial bundle you trust), checked
    (:meth:`PlotlyBundle.check`): its version against plotly.py's and its
    trace types against ``needs``.

    Examples
    --------
    >>> b = plotly_bundle("inline", {"bar", "scatter"})
    >>> b.version == _required_version(), {"bar", "scatter"} <= b.traces
    (True, True)
    """
    needs = needs or set()
    if isinstance(plotly_js, str) and plotly_js == "inline":
        return _full_bundle()
    path = os.fspath(plotly_js)
    try:
        st = os.stat(path)
    except OSError as e:
        msg = f"plotly_js must be 'inline', 'cdn' or the path of a plotly.js bundle; {visible(path)}: {e.strerror}"
        raise UsageError(msg) from None
    bundle = _user_bundle(path, st.st_size, st.st_mtime)
    bundle.check(needs)
    return bundle


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
    """
    out = {}
    for key, name in (("light", "plotly_white"), ("dark", "plotly_dark")):
        t = go.layout.Template(pio.templates[name])
        t.layout.paper_bgcolor = "rgba(0,0,0,0)"
        t.layout.plot_bgcolor = "rgba(0,0,0,0)"
        t.layout.font.family = _UI_FONT
        spec = t.to_plotly_json()
        spec["data"] = {k: v for k, v in spec.get("data", {}).items() if k in _TEMPLATE_TRACES}
        out[key] = spec
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


def _labels(lang: str) -> Any:
    def L(key: str, **fields: object) -> str:
        return charts.label(key, lang, section="report", **fields)

    return L


def _status_table(analysis: Analysis, lang: str) -> Table:
    L = _labels(lang)
    names = charts.class_names(lang)
    status = charts.localized_status(analysis, lang)
    rows = [
        [
            int(r["status"]),
            text(r["reason"]),
            text(r["description"]),
            names.get(r["class"], r["class"]),
            int(r["requests"]),
            float(r["share"] or 0),
            r["class"],
        ]
        for r in status.iter_rows(named=True)
    ]
    columns = [
        Column(L("code"), "code", cls="code"),
        Column(L("reason_phrase"), cls="reason"),
        Column(L("description"), cls="description", cut=TITLE_CHARS),
        Column(L("class"), cls="class", dot=6),
        Column(L("requests"), "int"),
        Column(L("share"), "pct", dot=6, bar=True),
        Column("class", hidden=True),
    ]
    return Table("t-status", L("status"), columns, rows, show=25, css_class="status")


def _top_frame(analysis: Analysis) -> pl.DataFrame:
    """The top keys the report holds: ``TABLE_ROWS`` per table (at least ``view.top``).

    The same ranking as ``analysis.top`` (:func:`httplog.reduce.top_n` over the
    same view of the partial), only longer, so "show more" has rows to show.
    """
    o = analysis.view
    n = max(o.top, TABLE_ROWS)
    if analysis.top.is_empty() or n == o.top:
        return analysis.top
    view = analysis.partial.view(bots=o.bots, since=o.since, until=o.until)
    return top_n(view, n=n)


#: Dimensions whose keys are shown percent-decoded (the text as written on hover).
DECODED = ("path", "referer")


def _shown_keys(frame: pl.DataFrame, dimension: str | None = None) -> pl.DataFrame:
    """``frame`` with ``shown``: its ``key`` percent-decoded where the key is a path
    or a referer (by ``dimension``, or the frame's ``dimension`` column), else as is."""
    dim = pl.col("dimension") if dimension is None else pl.lit(dimension)
    key = pl.col("key")
    return frame.with_columns(
        shown=pl.when(dim.is_in(list(DECODED))).then(percent_decoded(key)).otherwise(key)
    )


def _top_table(frame: pl.DataFrame, table_id: str, label: str, lang: str, show: int) -> Table:
    L = _labels(lang)
    rows = [
        [
            int(r["rank"]),
            text(r["shown"]),
            int(r["requests"]),
            float(r["share"] or 0),
            text(r["key"]),
        ]
        for r in _shown_keys(frame).sort("rank").iter_rows(named=True)
    ]
    columns = [
        Column(L("rank"), "int", cls="dim"),
        Column(L("key"), cls="keycell", raw=4),
        Column(L("requests"), "int"),
        Column(L("share"), "pct"),
        Column("raw", hidden=True),
    ]
    return Table(table_id, label, columns, rows, show=show, css_class="top")


#: Rows of a dashboard panel the report holds ("show more" reveals them; fewer
#: than a top table's :data:`TABLE_ROWS`: eighteen panels stay light).
PANEL_ROWS = 50
#: Panel columns shown percent-decoded, with the text as written on hover.
DECODED_COLUMNS = ("path", "referer", "route")
#: Panel columns of whole numbers shown as they are (no digit grouping).
_CODE_COLUMNS = ("hour", "asn")
#: Panel columns the report says in a note rather than in a column.
_NOTE_COLUMNS = ("delta", "estimate")


def _panel_column(name: str, dtype: pl.DataType, lang: str) -> Column:
    L = _labels(lang)
    try:
        label = L(f"col_{name}")
    except KeyError:
        label = visible(name)
    if name in ("requests", "share"):
        label = L(name)
    if name == "share":
        return Column(label, "pct")
    if name in ("mean_time", "max_time"):
        return Column(label, "float", digits=3)
    if name in _CODE_COLUMNS:
        return Column(label, "code")
    if dtype.is_integer():
        return Column(label, "int")
    if dtype.is_float():
        return Column(label, "float", digits=2)
    return Column(label, cls="keycell")


def _panel_value(name: str, value: object, lang: str) -> object:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return round(value, 6) if isinstance(value, float) else value
    if name == "agent_class":
        try:
            return _labels(lang)(f"class_{value}")
        except KeyError:
            return text(value)
    return text(value.isoformat() if hasattr(value, "isoformat") else value)


def _panel_table(
    name: str,
    frame: pl.DataFrame,
    lang: str,
    show: int,
    breakdown: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """One panel of ``analysis.panels`` as a table (its first :data:`PANEL_ROWS`
    rows, at least ``show``), with its note: the counts' maximum error (``delta``) or estimated days."""
    L = _labels(lang)
    notes = []
    delta = max(frame["delta"].to_list(), default=0) if "delta" in frame.columns else 0
    if delta:
        notes.append(L("panel_delta", delta=f"{delta:,}"))
    if "estimate" in frame.columns and any(frame["estimate"].to_list()):
        notes.append(L("panel_estimate"))
    kept = [c for c in frame.columns if c not in _NOTE_COLUMNS]
    decoded = [c for c in kept if c in DECODED_COLUMNS and frame.schema[c] == pl.String]
    rows_frame = frame.head(max(show, PANEL_ROWS)).select(kept)
    rows_frame = rows_frame.with_columns(
        percent_decoded(pl.col(c)).alias(f"_shown_{c}") for c in decoded
    )
    columns: list[Column] = []
    raw_index = {c: len(kept) + i for i, c in enumerate(decoded)}
    for c in kept:
        col = _panel_column(c, frame.schema[c], lang)
        if c in raw_index:
            col = Column(col.name, cls="keycell", raw=raw_index[c])
        columns.append(col)
    columns += [Column("raw", hidden=True) for _ in decoded]
    rows = []
    for r in rows_frame.iter_rows(named=True):
        row = [_panel_value(c, r[f"_shown_{c}"] if c in raw_index else r[c], lang) for c in kept]
        row += [text(r[c]) for c in decoded]
        rows.append(row)
    whole = name in ("time_distribution", "visitors")
    details = _breakdown_details(rows_frame, breakdown, lang)
    table = Table(
        f"t-panel-{name}",
        L(f"panel_{name}"),
        columns,
        rows,
        show=max(show, 24) if whole else show,
        css_class=f"panel panel-{name.replace('_', '-')}",
        details=details,
    )
    return {"name": name, "table": table, "note": " ".join(notes)}


#: Breakdown dimensions in the order their small tables come (then any other).
_BREAKDOWN_ORDER = ("status", "method", "protocol", "path", "referer")


def _panel_key(frame: pl.DataFrame) -> str | None:
    """The column of a panel that names its rows (``path``, ``remote_addr``, ``browser``…)."""
    keys = [c for c in frame.columns if c != "agent_class" and frame.schema[c] == pl.String]
    return keys[0] if keys else None


def _breakdown_details(
    rows: pl.DataFrame, breakdown: pl.DataFrame | None, lang: str
) -> list[list[SubTable] | None] | None:
    """Per row of a panel, the small tables of what it is made of (``Analysis.breakdowns``):
    one per dimension (a URL: its status codes and methods; a client: its paths),
    each value with its requests and its share of the row's requests."""
    key = _panel_key(rows)
    if breakdown is None or breakdown.is_empty() or key is None:
        return None
    L = _labels(lang)
    b = breakdown.join(
        rows.select(pl.col(key).alias("key"), total=pl.col("requests")), on="key", how="inner"
    )
    if b.is_empty():
        return None
    b = _shown_keys(b.rename({"key": "row_key", "value": "key"})).with_columns(
        share=pl.col("requests") / pl.col("total"),
        delta=pl.col("delta").fill_null(0) if "delta" in b.columns else pl.lit(0),
    )
    per_key = b.partition_by("row_key", as_dict=True)
    columns = [Column(L("breakdown_value"), cls="keycell", raw=3), Column(L("requests"), "int")]
    columns += [Column(L("breakdown_share"), "pct", digits=1), Column("raw", hidden=True)]
    known = list(_BREAKDOWN_ORDER)
    details: list[list[SubTable] | None] = []
    for row_key in rows[key].to_list():
        part = per_key.get((row_key,))
        if part is None:
            details.append(None)
            continue
        dims = part["dimension"].unique().to_list()
        subs = []
        for dim in [d for d in known if d in dims] + sorted(set(dims) - set(known)):
            sub = part.filter(pl.col("dimension") == dim).sort(
                ["requests", "key"], descending=[True, False]
            )
            label = _dim_label(dim, lang)
            delta = int(sub.select(pl.col("delta").max().fill_null(0)).item())
            if delta:
                label += " " + L("breakdown_delta", delta=f"{delta:,}")
            subs.append(
                SubTable(
                    label,
                    columns,
                    [
                        [
                            text(_status_key(r["key"], lang) if dim == "status" else r["shown"]),
                            int(r["requests"]),
                            float(r["share"] or 0),
                            text(r["key"]),
                        ]
                        for r in sub.iter_rows(named=True)
                    ],
                )
            )
        details.append(subs)
    return details if any(details) else None


def _dashboard(analysis: Analysis, lang: str) -> list[dict[str, Any]]:
    """Every panel the analysis has, in :data:`httplog.outputs.PANELS` (then any other), as tables."""
    names = [n for n in PANELS if n in analysis.panels]
    names += sorted(set(analysis.panels) - set(PANELS))
    show = analysis.view.top
    return [
        _panel_table(n, analysis.panels[n], lang, show, analysis.breakdowns.get(n)) for n in names
    ]


def _dim_order(names: list[str]) -> list[str]:
    known = [d for d in _DIMENSION_ORDER if d in names]
    return known + sorted(set(names) - set(known))


def _dim_label(dim: str, lang: str) -> str:
    try:
        return charts.label(f"dim_{dim}", lang, section="report")
    except KeyError:
        return visible(dim)


def _status_key(key: str, lang: str) -> str:
    """A status code with its reason: ``404 Not Found``."""
    return f"{key} {describe(int(key), lang).reason}".strip() if str(key).isdigit() else key


def _what(dim: str, lang: str) -> str:
    try:
        return charts.label(f"what_{dim}", lang, section="report")
    except KeyError:
        return visible(dim)


def _explainer(ranked: pl.DataFrame, lang: str) -> str:
    """The key that explains a spike most, said in a cell: ``client 203.0.113.9 (100%)``."""
    if ranked.is_empty():
        return ""
    r = ranked.row(0, named=True)
    key = _status_key(r["key"], lang) if r["dimension"] == "status" else r.get("shown", r["key"])
    share = float(r["excess_share"] or 0) * 100
    return f"{_what(r['dimension'], lang)} {key} ({share:.0f}%)"


def _spike_table(analysis: Analysis, lang: str) -> Table:
    """One row per spike; expanding a row shows the keys its errors come from, per dimension."""
    L = _labels(lang)
    tz = analysis.view.tz
    expl = _shown_keys(analysis.explanations)
    ranked = ranked_explanations(expl)
    sub_columns = [
        Column(L("count"), "int"),
        Column(L("share"), "pct", digits=1),
        Column(L("baseline_share"), "pct", digits=1),
        Column(L("lift"), "float", digits=2),
        Column(L("excess"), "float", digits=1),
    ]
    rows, details = [], []
    for s in analysis.spikes.iter_rows(named=True):
        n = int(s["spike"])
        kind = str(s["kind"])
        same_day = s["start"].date() == s["end"].date()
        rows.append(
            [
                n,
                charts.label("spike", lang, kind=kind),
                _when(s["start"], tz, "%Y-%m-%d %H:%M"),
                _when(s["end"], tz, "%H:%M" if same_day else "%Y-%m-%d %H:%M"),
                int(s["windows"]),
                int(s["errors"]),
                int(s["requests"]),
                float(s["peak_rate"] or 0),
                float(s["baseline_rate"] or 0),
                int(s["excess"]),
                text(_explainer(ranked.filter(pl.col("spike") == n), lang)),
                kind if kind in CLASSES else "5xx",
            ]
        )
        part = expl.filter(pl.col("spike") == n)
        subs = []
        why = [
            [
                text(_status_key(r["key"], lang) if r["dimension"] == "status" else r["shown"]),
                text(_what(r["dimension"], lang)),
                float(r["excess_share"] or 0),
                int(r["count"]),
                float(r["share"] or 0),
                float(r["lift"] or 0),
                text(r["key"]),
            ]
            for r in ranked.filter(pl.col("spike") == n).iter_rows(named=True)
        ]
        if why:
            why_columns = [
                Column(L("key"), cls="keycell", raw=6),
                Column(L("dimension")),
                Column(L("excess_share"), "pct", digits=1),
                Column(L("count"), "int"),
                Column(L("share"), "pct", digits=1),
                Column(L("lift"), "float", digits=2),
                Column("raw", hidden=True),
            ]
            subs.append(SubTable(L("explained_by"), why_columns, why))
        for dim in _dim_order(part["dimension"].unique().to_list()):
            keys = []
            for r in part.filter(pl.col("dimension") == dim).sort("rank").iter_rows(named=True):
                key = _status_key(r["key"], lang) if dim == "status" else r["shown"]
                keys.append(
                    [
                        text(key),
                        int(r["count"]),
                        float(r["share"] or 0),
                        float(r["baseline_share"] or 0),
                        float(r["lift"] or 0),
                        float(r["excess"] or 0),
                        text(r["key"]),
                    ]
                )
            key_column = Column(L("key"), cls="keycell", raw=6)
            subs.append(
                SubTable(
                    _dim_label(dim, lang),
                    [key_column, *sub_columns, Column("raw", hidden=True)],
                    keys,
                )
            )
        details.append(subs or None)
    columns = [
        Column(L("rank"), "int", cls="dim"),
        Column(L("spike_kind"), dot=11, cls="kind"),
        Column(L("spike_start")),
        Column(L("spike_end")),
        Column(L("spike_windows"), "int"),
        Column(L("spike_errors"), "int"),
        Column(L("requests"), "int"),
        Column(L("spike_peak"), "pct", digits=1),
        Column(L("spike_baseline"), "pct", digits=1),
        Column(L("excess"), "int"),
        Column(L("explained_by"), cls="why"),
        Column("class", hidden=True),
    ]
    # up to three spikes open, as the page showed them before rows could expand
    return Table(
        "t-spikes", L("spikes"), columns, rows, show=25, details=details, css_class="spikes", open=3
    )


def _host_spike_table(analysis: Analysis, lang: str) -> Table | None:
    """The spikes found within one virtual host (``analysis.host_spikes``), with the
    host; None when the log has no host."""
    spikes = analysis.host_spikes
    if spikes is None:
        return None
    L = _labels(lang)
    tz = analysis.view.tz
    overall = "overall" in spikes.columns
    rows = []
    for s in spikes.iter_rows(named=True):
        kind = str(s["kind"])
        same_day = s["start"].date() == s["end"].date()
        row = [
            text(s["host"] if s["host"] is not None else "-"),
            int(s["spike"]),
            charts.label("spike", lang, kind=kind),
            _when(s["start"], tz, "%Y-%m-%d %H:%M"),
            _when(s["end"], tz, "%H:%M" if same_day else "%Y-%m-%d %H:%M"),
            int(s["windows"]),
            int(s["errors"]),
            int(s["requests"]),
            float(s["peak_rate"] or 0),
            float(s["baseline_rate"] or 0),
            int(s["excess"]),
        ]
        if overall:
            row.append(L("host_spike_overall_yes" if s["overall"] else "host_spike_overall_no"))
        row.append(kind if kind in CLASSES else "5xx")
        rows.append(row)
    columns = [
        Column(L("col_host"), cls="keycell"),
        Column(L("rank"), "int", cls="dim"),
        Column(L("spike_kind"), dot=11 + overall, cls="kind"),  # the hidden class column
        Column(L("spike_start")),
        Column(L("spike_end")),
        Column(L("spike_windows"), "int"),
        Column(L("spike_errors"), "int"),
        Column(L("requests"), "int"),
        Column(L("spike_peak"), "pct", digits=1),
        Column(L("spike_baseline"), "pct", digits=1),
        Column(L("excess"), "int"),
    ]
    if overall:
        columns.append(Column(L("host_spike_overall")))
    columns.append(Column("class", hidden=True))
    return Table(
        "t-host-spikes", L("host_spikes"), columns, rows, show=25, css_class="spikes host-spikes"
    )


def _rejected_table(analysis: Analysis, lang: str) -> Table:
    L = _labels(lang)
    rows = [
        [text(f"{r['source']}:{r['line']}"), text(_reason(r["reason"], lang)), text(r["text"])]
        for r in analysis.rejected_samples.iter_rows(named=True)
    ]
    columns = [
        Column(L("location"), cls="where"),
        Column(L("rejected_reason")),
        Column(L("text"), cls="raw", cut=LINE_CHARS),
    ]
    return Table("t-rejected", L("rejected_heading"), columns, rows, show=20, css_class="rejected")


def _reason(reason: str, lang: str) -> str:
    """A rejection reason in ``lang`` (as it is when it has no label)."""
    try:
        return charts.label(f"reason_{reason}", lang, section="report")
    except KeyError:
        return reason


_DETECTED = re.compile(
    r"^(?P<what>.*) \((?P<matched>\d+)/(?P<sampled>\d+) sample lines\)(?P<rest>;.*)?$"
)


def _detection(detection: str, lang: str) -> str:
    """How the format was detected (``combined (200/200 sample lines)``), in ``lang``.

    >>> _detection("combined (200/200 sample lines)", "zh")
    'combined（根据 200 行样本中的 200 行识别）'
    """
    m = _DETECTED.match(detection)
    if m is None:
        return detection
    rest = m["rest"] or ""
    if lang == "zh" and rest:
        rest = "；" + rest.lstrip("; ")
    fields = {"what": m["what"], "matched": m["matched"], "sampled": m["sampled"], "rest": rest}
    return charts.label("detected_from", lang, section="report", **fields)


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
        + ',"figures":['
        + ",".join(
            '{"id":' + json.dumps(f"chart-{name}") + ',"figure":' + _figure_json(fig) + "}"
            for name, fig in figs.items()
        )
        + "]}"
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
