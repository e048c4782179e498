"""The report's tables as data (:class:`~httplog.report.tables.Table`): status codes,
top keys, the dashboard's panels with their breakdowns, spikes (overall and per
virtual host) and rejected lines, in the report's language. Internal to the
report: :mod:`httplog.report.context` puts them in the template's context.

Examples
--------
>>> import httplog, os, tempfile
>>> log = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(log, "w").write(
...     '192.0.2.1 - - [20/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 404 0 "-" "curl/8"\\n'
... )
>>> _status_table(httplog.analyze(log), "en").rows[0][:2]
[404, 'Not Found']
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

import httplog.charts as charts
from httplog.display import percent_decoded, visible
from httplog.outputs import PANELS
from httplog.reduce import top_n
from httplog.report.tables import TITLE_CHARS, Column, SubTable, Table, text
from httplog.spikes import ranked_explanations
from httplog.statuscodes import CLASSES, describe
from httplog.windows import zone

if TYPE_CHECKING:
    from httplog.analysis import Analysis


#: Longest rejected line shown in full.
LINE_CHARS = 600
#: Rows a top-keys table holds ("show more" reveals them; ``view.top`` show at first).
TABLE_ROWS = 100

_DIMENSION_ORDER = ("status", "path", "remote_addr", "user_agent", "referer", "upstream_addr")


def _when(t: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if t is None:
        return ""
    if t.tzinfo is not None:
        t = t.astimezone(zone(tz))
    return t.strftime(fmt)


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
_NOTE_COLUMNS = ("delta", "estimate", "visitors_error")
#: Panel columns of seconds.
_TIME_COLUMNS = ("mean_time", "max_time", "time_sum", "p50", "p95", "p99")
#: Shares of a row's requests, shown as percentages (a key panel's 4xx and 5xx
#: counts are in the JSON and the export; the page shows their shares).
_RATE_COLUMNS = {"rate_4xx": "4xx", "rate_5xx": "5xx"}


def _panel_column(name: str, dtype: pl.DataType, lang: str) -> Column:
    L = _labels(lang)
    try:
        label = L(f"col_{name}")
    except KeyError:
        label = visible(name)
    if name in ("requests", "share"):
        label = L(name)
    if name == "share" or name in _RATE_COLUMNS:
        return Column(label, "pct")
    if name in _TIME_COLUMNS:
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
    if "visitors_error" in frame.columns and frame.height:
        error = max(frame["visitors_error"].drop_nulls().to_list(), default=0.0)
        notes.append(L("panel_visitors_error", error=f"{error:.0%}"))
    counted = {_RATE_COLUMNS[c] for c in frame.columns if c in _RATE_COLUMNS}
    kept = [c for c in frame.columns if c not in _NOTE_COLUMNS and c not in counted]
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
        static_details=False,
    )
    return {"name": name, "table": table, "note": " ".join(notes)}


#: Rows of a panel whose breakdowns the page holds: those shown before "show
#: more" (the page stays light: the sample report holds four panels' in ~15 kB).
BREAKDOWN_ROWS = 10
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
    first = rows.head(BREAKDOWN_ROWS)
    b = breakdown.join(
        first.select(pl.col(key).alias("key"), total=pl.col("requests")), on="key", how="inner"
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
                            round(float(r["share"] or 0), 4),
                            text(r["key"]) if r["shown"] != r["key"] else None,
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


def _spike_cells(s: dict[str, Any], lang: str, tz: str) -> list[Any]:
    """A spike's number, kind, start, end, windows, errors, requests, rates and excess."""
    same_day = s["start"].date() == s["end"].date()
    return [
        int(s["spike"]),
        charts.label("spike", lang, kind=str(s["kind"])),
        _when(s["start"], tz, "%Y-%m-%d %H:%M"),
        _when(s["end"], tz, "%H:%M" if same_day else "%Y-%m-%d %H:%M"),
        int(s["windows"]),
        int(s["errors"]),
        int(s["requests"]),
        float(s["peak_rate"] or 0),
        float(s["baseline_rate"] or 0),
        int(s["excess"]),
    ]


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
        rows.append(
            [
                *_spike_cells(s, lang, tz),
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
        row = [text(s["host"] if s["host"] is not None else "-"), *_spike_cells(s, lang, tz)]
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
