"""An analysis: a (merged) partial seen through :class:`~httplog.options.ViewOptions`.

:func:`finalize` turns a :class:`~httplog.partial.Partial` into an
:class:`Analysis`: a frozen set of small polars frames (classes, status codes
with their descriptions, the timeline of windows, top keys, spikes and what
explains them), ready to chart, tabulate or serialise. One partial can be
finalized many ways; reading logs into a partial is :func:`httplog.run`'s.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, UTC
>>> from httplog.aggregation import aggregate
>>> rows = pl.DataFrame(
...     {
...         "time": [datetime(2000, 10, 10, 13, 55, tzinfo=UTC)] * 2,
...         "status": pl.Series([200, 503], dtype=pl.UInt16),
...     }
... )
>>> a = finalize(aggregate(rows), ViewOptions(lang="zh"))
>>> a.classes.filter(pl.col("requests") > 0).select("class", "name", "requests").rows()
[('2xx', '成功', 1), ('5xx', '服务器错误', 1)]
>>> a
<Analysis: 2 lines, 2 requests, format unknown, 1 window of 1m, 0 spikes>
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from datetime import datetime

import polars as pl

from httplog.annotate import annotate_classes, annotate_status
from httplog.dashboard import breakdowns, distinct_keys, key_words, panels
from httplog.display import visible
from httplog.enrich import (
    agents,
    browsers,
    countries,
    geo,
    keyphrase_panel,
    keyphrases,
    networks,
    operating_systems,
)
from httplog.filters import RowFilter
from httplog.options import ReadOptions, ViewOptions
from httplog.partial import Partial
from httplog.reduce import by_class, by_status, by_window, choose_window, top_n
from httplog.sketches import BITMAP_ERROR, visitors_within
from httplog.spikes import explain_spikes, find_spikes, host_spikes, host_timeline
from httplog.windows import LOG, log_tz, resolve_tz


class Panels(dict[str, pl.DataFrame]):
    """The dashboard's panels by name (a dict whose equality compares frames).

    >>> Panels(a=pl.DataFrame({"x": [1]})) == Panels(a=pl.DataFrame({"x": [1]}))
    True
    """

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, dict) or self.keys() != other.keys():
            return False
        return all(
            isinstance(other[k], pl.DataFrame) and v.equals(other[k]) for k, v in self.items()
        )

    __hash__ = None  # (mutable, as a dict)


@dataclass(frozen=True, repr=False)
class Analysis:
    """The result of an analysis: small frames, all sorted, nothing lazy.

    ``read`` and ``view`` are the options it was made with (what was counted,
    how it is shown); :attr:`filter` is the row filter in effect.

    Frames (columns):

    - ``inputs``: source, lines, parsed, rejected, directives, bytes_read
    - ``rejected_samples``: source, line, reason, text (first lines per reason)
    - ``classes``: class, name, requests, share — all six classes, in order
    - ``status``: status, class, reason, description, requests, share — by code
    - ``timeline``: start, end (in ``tz``), requests, 1xx … 5xx, invalid,
      rate_4xx, rate_5xx, bytes, and ``<latency>_p50/_p90/_p99`` for each of
      request_time and upstream_response_time the log has — one row per
      window, empty windows included (:func:`httplog.by_window`)
    - ``top``: dimension, scope (all, 4xx, 5xx), rank, key, requests, share
    - ``spikes``: spike, kind, start, end, windows, requests, errors,
      peak_rate, baseline_rate, excess
    - ``explanations``: spike, dimension, rank, key, count, share,
      baseline_count, baseline_share, lift, excess
    - ``panels``: the dashboard's panels by name, each present only when the
      log has its fields (:func:`httplog.dashboard.panels`): ``visitors`` (day,
      requests, bytes, visitors, estimate), ``time_distribution`` (hour in
      ``tz``, requests, bytes, 4xx, 5xx), and key panels ``requests``,
      ``static_requests``, ``not_found`` (path), ``hosts`` (remote_addr),
      ``user_agents``, ``vhosts`` (host), ``referrers`` (referer),
      ``referring_sites`` (site), ``methods``, ``protocols``,
      ``remote_users``, ``routes`` (route) — each with requests, share,
      bytes, 4xx, 5xx, rate_4xx, rate_5xx, time_sum, mean_time and
      max_time (with request times), and ``delta`` (the maximum error of
      requests; 0: exact); with client addresses, every key panel with
      ``visitors`` and ``visitors_error``; routes with p50/p95/p99; ``slowest`` (by route or
      path, key, requests, time_sum, mean_time, p50, p95, p99, max_time,
      delta; with request times: :func:`httplog.dashboard.slowest`); enriched from these
      (:func:`enriched_panels`): ``browsers`` (agent_class, browser),
      ``operating_systems`` (agent_class, os) and, with ``view.geoip_db``,
      ``countries`` (continent, country_code, country) and ``networks``
      (asn, as_org), each with requests, share, bytes and delta (and, with
      client addresses, visitors and visitors_error)
    - ``distinct``: dimension, distinct, estimate, error — distinct keys of
      each dimension (exact, or a HyperLogLog estimate and its relative
      standard error)
    - ``breakdowns``: by panel name (``requests``, ``hosts``…), what a row of
      that panel is made of: key (the panel's key), dimension (``status``,
      ``method``, ``path``…), value, requests, delta — at most 10 values per
      key and dimension, for the panel's first rows; absent panels have none
    - ``host_timeline``: per virtual host, for the 8 busiest hosts: host, start,
      end, requests, 4xx, 5xx, rate_4xx, rate_5xx (the timeline's windows,
      empty ones included; hosts by requests, then by start); None when the
      log has no host (:func:`httplog.spikes.host_timeline`)
    - ``host_spikes``: spikes found within one host (the same detector and
      parameters as ``spikes``, on its ``host_timeline``): host, then the
      ``spikes`` columns (``spike`` numbered over every host), and
      ``overall`` (whether ``spikes`` has one of the same kind overlapping
      it: False is an outage the fleet's rates hide); None when the log has
      no host (:func:`httplog.spikes.host_spikes`)
    """

    read: ReadOptions
    view: ViewOptions
    format: str
    detection: str | None
    inputs: pl.DataFrame
    lines: int
    parsed: int
    rejected: int
    rejected_by_reason: dict[str, int]
    rejected_samples: pl.DataFrame
    time_range: tuple[datetime, datetime] | None
    window: str
    classes: pl.DataFrame
    status: pl.DataFrame
    timeline: pl.DataFrame
    top: pl.DataFrame
    spikes: pl.DataFrame
    explanations: pl.DataFrame
    partial: Partial
    panels: Panels
    distinct: pl.DataFrame
    #: Where ``view.tz`` came from: ``log`` (the offset most lines wrote, the
    #: default), ``unknown`` (the default, but no line wrote an offset: UTC), or
    #: ``given`` (named by the caller).
    tz_source: str = "given"
    breakdowns: dict[str, pl.DataFrame] = field(default_factory=dict)
    host_timeline: pl.DataFrame | None = None
    host_spikes: pl.DataFrame | None = None

    @property
    def visitors(self) -> int | None:
        """Unique visitors (GoAccess's: per day, summed), None without clients."""
        v = self.panels.get("visitors")
        return int(v["visitors"].sum()) if v is not None else None

    @property
    def directives(self) -> int:
        """Directive lines (W3C's ``#`` lines, a CSV header), counted apart:
        ``parsed + rejected + directives == lines``."""
        return int(self.partial.chunks["directives"].sum() or 0)

    @property
    def requests(self) -> int:
        """Requests counted after filters (the sum over classes)."""
        return int(self.classes["requests"].sum())

    @property
    def latencies(self) -> list[str]:
        """Latency columns with percentiles in the timeline."""
        return [c[: -len("_p50")] for c in self.timeline.columns if c.endswith("_p50")]

    @property
    def filter(self) -> RowFilter:
        """The requests shown: the read's row filter, and the view's time bounds."""
        return self.read.filter.narrowed(self.view.since, self.view.until)

    def __repr__(self) -> str:
        windows = self.timeline.height
        return (
            f"<Analysis: {self.lines:,} lines, {self.requests:,} requests, format {self.format}, "
            f"{windows:,} window{'s' if windows != 1 else ''} of {self.window}, "
            f"{self.spikes.height} spike{'s' if self.spikes.height != 1 else ''}>"
        )

    def _repr_html_(self) -> str:
        """A short HTML summary for notebooks: totals, error rates, the time
        range, spikes and the first rows of a few panels, every text from the
        log escaped (and its invisible characters made visible).

        >>> from httplog.aggregation import aggregate
        >>> rows = pl.DataFrame(
        ...     {
        ...         "time": [datetime(2000, 10, 10, 13, 55)] * 2,
        ...         "status": pl.Series([200, 404], dtype=pl.UInt16),
        ...         "path": ["/<b>x</b>", "/"],
        ...     }
        ... )
        >>> page = finalize(aggregate(rows))._repr_html_()
        >>> "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x" not in page
        True
        """
        return _html_summary(self)


#: Panels shown in a notebook's summary (the first rows of each the log has).
HTML_PANELS = ("requests", "not_found", "routes", "vhosts", "browsers", "referring_sites")
#: Rows of each panel (and spikes) shown there.
HTML_ROWS = 5


def _esc(x: object) -> str:
    return html.escape(visible(x), quote=True)


def _table(head: list[str], rows: list[list[str]], caption: str) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return (
        f"<table><caption style='text-align:left'><b>{caption}</b></caption>"
        f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
    )


def _html_summary(a: Analysis) -> str:
    """See :meth:`Analysis._repr_html_` (texts from the log go through :func:`_esc`)."""

    def pct(x: float | None) -> str:
        return f"{(x or 0.0) * 100:.1f}%"

    rates = dict(zip(a.classes["class"], a.classes["share"], strict=True))
    span = "–"
    if a.time_range is not None:
        span = " – ".join(t.isoformat(sep=" ", timespec="seconds") for t in a.time_range)
    facts = [
        ["lines", f"{a.lines:,}"],
        ["requests", f"{a.requests:,}"],
        ["rejected", f"{a.rejected:,}"],
        ["format", _esc(a.format)],
        ["time range (UTC)", _esc(span)],
        ["windows", f"{a.timeline.height:,} of {_esc(a.window)}"],
        ["4xx rate", pct(rates.get("4xx"))],
        ["5xx rate", pct(rates.get("5xx"))],
    ]
    if a.visitors is not None:
        facts.append(["unique visitors", f"{a.visitors:,}"])
    parts = [_table(["", ""], facts, "httplog analysis")]
    tz = a.view.tz
    if a.spikes.height:
        rows = [
            [
                _esc(s["kind"]),
                _esc(s["start"].isoformat(sep=" ", timespec="minutes")),
                _esc(s["end"].isoformat(sep=" ", timespec="minutes")),
                f"{s['errors']:,}",
                pct(s["peak_rate"]),
                pct(s["baseline_rate"]),
            ]
            for s in a.spikes.head(HTML_ROWS).iter_rows(named=True)
        ]
        head = ["kind", "start", "end", "errors", "peak", "baseline"]
        parts.append(_table(head, rows, f"spikes ({a.spikes.height}, times in {_esc(tz)})"))
    hidden = a.host_spikes.filter(~pl.col("overall")) if a.host_spikes is not None else None
    if hidden is not None and hidden.height:
        rows = [
            [
                _esc(s["host"]),
                _esc(s["kind"]),
                _esc(s["start"].isoformat(sep=" ")),
                pct(s["peak_rate"]),
            ]
            for s in hidden.head(HTML_ROWS).iter_rows(named=True)
        ]
        caption = "spikes within a host that the overall timeline doesn't show"
        parts.append(_table(["host", "kind", "start", "peak"], rows, caption))
    for name in HTML_PANELS:
        frame = a.panels.get(name)
        if frame is None or frame.is_empty():
            continue
        keys = [c for c in frame.columns if frame.schema[c] == pl.String][:2]
        rows = [
            [*(_esc(r[k]) for k in keys), f"{r['requests']:,}", pct(r["share"])]
            for r in frame.head(HTML_ROWS).iter_rows(named=True)
        ]
        parts.append(_table([*map(_esc, keys), "requests", "share"], rows, _esc(name)))
    cell = "<div style='display:inline-block;vertical-align:top;margin:0 1.5em 1em 0'>"
    return "<div>" + "".join(f"{cell}{p}</div>" for p in parts) + "</div>"


def enriched_panels(
    found: dict[str, pl.DataFrame],
    total: int,
    geoip_db: str | None = None,
    words: dict[str, pl.DataFrame | None] | None = None,
) -> dict[str, pl.DataFrame]:
    """The panels enriched from others (:mod:`httplog.enrich`), once per
    analysis on their bounded frames of distinct keys, never per block:
    ``browsers`` (agent_class, browser) and ``operating_systems``
    (agent_class, os) from ``user_agents``; ``keyphrases`` (engine,
    keyphrase: what visitors searched for, when any referer says;
    :mod:`httplog.enrich.keyphrases`) from ``referrers``; with ``geoip_db``, ``countries``
    (continent, country_code, country) and, when the database has ASN,
    ``networks`` (asn, as_org) from ``hosts``. Each has requests, share (of
    ``total``, every request), bytes and ``delta``: its source panel's. The
    source's keys are bounded, so a family's requests are a lower bound: each
    of its agents (or addresses) counted is short by at most ``delta``, and
    an agent not kept at all is missing from it (never more than ``delta``
    requests each); with ``delta`` 0 every count is exact. With ``words``
    (by source panel, its keys' visitor bitmaps: :func:`~httplog.dashboard.key_words`),
    each also has ``visitors`` and ``visitors_error``: the estimate of the
    or of its keys' bitmaps (a visitor of two agents of a family counts once).

    >>> ua = pl.DataFrame(
    ...     {"user_agent": ["curl/8.5.0", "curl/8.4.0"], "requests": [2, 1], "bytes": [10, 5]}
    ... )
    >>> ua = ua.with_columns(delta=pl.lit(0, pl.UInt64))
    >>> enriched_panels({"user_agents": ua}, 4)["browsers"].rows()
    [('tool', 'curl', 3, 0.75, 15, 0)]
    """
    out: dict[str, pl.DataFrame] = {}

    def panel(frame: pl.DataFrame, keys: list[str], delta: int) -> pl.DataFrame:
        share = pl.col("requests") / total if total else pl.lit(0.0)
        seen = "v0" in frame.columns
        return frame.select(
            *keys,
            pl.col("requests").cast(pl.UInt64),
            share.alias("share"),
            *([visitors_within(pl.col("requests") + delta)] if seen else []),
            pl.col("bytes").cast(pl.UInt64),
            pl.lit(delta, pl.UInt64).alias("delta"),
            *([pl.lit(BITMAP_ERROR).alias("visitors_error")] if seen else []),
        )

    def source(frame: pl.DataFrame, name: str, key: str) -> pl.DataFrame:
        rows = frame.select(key, *counts)
        w = (words or {}).get(name)
        return rows if w is None else rows.join(w, on=key, how="left", maintain_order="left")

    counts = ["requests", "bytes"]
    ua = found.get("user_agents")
    if ua is not None:
        delta = max(ua["delta"].to_list(), default=0)
        enriched = agents(source(ua, "user_agents", "user_agent"))
        out["browsers"] = panel(
            browsers(enriched, counts=counts), ["agent_class", "browser"], delta
        )
        out["operating_systems"] = panel(
            operating_systems(enriched, counts=counts), ["agent_class", "os"], delta
        )
    refs = found.get("referrers")
    if refs is not None:
        delta = max(refs["delta"].to_list(), default=0)
        phrases = keyphrase_panel(keyphrases(source(refs, "referrers", "referer")), counts=counts)
        if not phrases.is_empty():
            out["keyphrases"] = panel(phrases, ["engine", "keyphrase"], delta)
    hosts = found.get("hosts")
    if hosts is not None and geoip_db is not None:
        delta = max(hosts["delta"].to_list(), default=0)
        located = geo(source(hosts, "hosts", "remote_addr"), db=geoip_db)
        if "country" in located.columns:
            out["countries"] = panel(
                countries(located, counts=counts), ["continent", "country_code", "country"], delta
            )
        if "asn" in located.columns:
            out["networks"] = panel(networks(located, counts=counts), ["asn", "as_org"], delta)
    return out


def finalize(
    partial: Partial, view: ViewOptions | None = None, *, read: ReadOptions | None = None
) -> Analysis:
    """Turn a (merged) partial aggregate into an :class:`Analysis` (the reduce step).

    The view (bots, since/until, window, tz, lang, top, spikes) applies here,
    so one partial can be finalized many ways. ``read`` records how the
    partial was counted (its format and row filter), for the summary.
    """
    view = view or ViewOptions()
    read = read or ReadOptions()
    tz_source = "given"
    if view.tz == LOG:  # the log's own clock (UTC when its lines wrote no offset)
        written = log_tz(partial.offsets)
        view = replace(view, tz=written or "UTC")
        tz_source = "log" if written is not None else "unknown"
    elif view.tz != resolve_tz(view.tz):  # local, +0530 …: by its name
        view = replace(view, tz=resolve_tz(view.tz))
    seen = partial.view(bots=view.bots, since=view.since, until=view.until)
    window = choose_window(seen, view.window)
    tl = by_window(seen, every=window, tz=view.tz)
    spikes = find_spikes(tl, view.spikes)
    explanations = explain_spikes(seen, spikes, params=view.spikes, rules=view.rules)
    chunks = partial.chunks
    inputs = (
        chunks.group_by("source")
        .agg(pl.col("lines", "parsed", "rejected", "directives", "bytes_read").sum())
        .sort("source")
    )
    found = panels(seen, view.tz, view.rules)
    hosts_tl = host_timeline(seen, every=window, tz=view.tz)
    sources = {"user_agents": "user_agent", "referrers": "referer", "hosts": "remote_addr"}
    words = {n: key_words(seen, d, d) for n, d in sources.items() if n in found}
    found |= enriched_panels(found, seen.requests, view.geoip_db, words)
    rejected = partial.rejected.group_by("reason").agg(pl.col("count").sum())
    by_reason = dict(sorted(rejected.iter_rows(), key=lambda kv: (-kv[1], kv[0])))
    return Analysis(
        read=read,
        view=view,
        format=partial.format_label,
        detection=partial.detection,
        inputs=inputs,
        lines=partial.lines,
        parsed=int(chunks["parsed"].sum() or 0),
        rejected=partial.rejected_lines,
        rejected_by_reason=by_reason,
        rejected_samples=partial.numbered_samples(),
        time_range=seen.time_range,
        window=window,
        classes=annotate_classes(by_class(seen), view.lang),
        status=annotate_status(by_status(seen), view.lang),
        timeline=tl,
        top=top_n(seen, n=view.top),
        spikes=spikes,
        explanations=explanations,
        partial=partial,
        panels=Panels(found),
        distinct=distinct_keys(seen),
        tz_source=tz_source,
        host_timeline=hosts_tl,
        host_spikes=host_spikes(hosts_tl, view.spikes, spikes),
        breakdowns=Panels(breakdowns(seen, found, rules=view.rules)),
    )
