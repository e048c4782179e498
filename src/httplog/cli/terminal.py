"""The terminal text of a run: a short account of its summary, log text made visible.

>>> import httplog, os, tempfile
>>> p = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 503 0 "-" "curl/8"\\n'
... )
>>> r = httplog.run(p)
>>> print(to_text(r.summary).splitlines()[0])
1 lines (combined): 1 requests
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

import httplog
from httplog import clean


def _pct(x: float) -> str:
    if x == 0:
        return "0%"
    if x < 0.001:
        return "<0.1%"
    return f"{x * 100:.1f}%"


def _share(x: float | None) -> str:
    """A part of a whole, as people say it: 100%, 93%, 7.5%."""
    v = (x or 0.0) * 100
    return f"{v:.0f}%" if v >= 10 else f"{v:.1f}%"


def _n(x: int) -> str:
    return f"{x:,}"


@cache
def _texts() -> dict[str, Any]:
    data = files("httplog.cli").joinpath("terminal.toml").read_text(encoding="utf-8")
    return tomllib.loads(data)


def texts(lang: str) -> dict[str, Any]:
    """The terminal's words in ``lang`` (``en`` for a language it lacks).

    >>> texts("zh")["reasons"]["empty"]
    '空行'
    """
    all_ = _texts()
    out: dict[str, Any] = all_[lang] if lang in all_ else all_["en"]
    return out


def _for_people(entries: list[dict[str, Any]]) -> list[str]:
    """The keys of explanation entries as people read them: paths and referers
    percent-decoded (the summary keeps them as written)."""
    keys = [str(e["key"]) for e in entries]
    shown = httplog.decoded(keys)
    return [
        (s or k) if e["dimension"] in ("path", "referer") else k
        for e, k, s in zip(entries, keys, shown, strict=True)
    ]


def _clock(s: Mapping[str, Any], t: Mapping[str, Any]) -> str:
    """Which clock the times are on: "times in UTC+03:30, as written in the log"."""
    tz = clean(s["tz"], 40)
    tz = f"UTC{tz}" if tz[:1] in "+-" else tz
    source = s.get("tz_source", "given")
    key = {"log": "tz_log", "unknown": "tz_unknown"}.get(source, "tz_given")
    return str(t[key]).format(tz=tz)


def _short_time(t: str | None) -> str:
    return t.replace("T", " ")[:19] if t else "-"


#: Panels shown in the terminal (the first rows of each, when the log has it):
#: panel, its key column, the title's word in terminal.toml.
_SHOWN = (("requests", "path", "requested_files"), ("not_found", "path", "not_found"))


def _dashboard(s: Mapping[str, Any], t: Mapping[str, Any], width: int) -> list[str]:
    """The overview (visitors, distinct files) and the first rows of a few panels."""
    out: list[str] = []
    panels = s.get("panels") or {}
    facts = []
    if s.get("visitors") is not None:
        est = panels.get("visitors", {}).get("estimate")
        word = t["unique_visitors_estimate" if est else "unique_visitors"]
        facts.append(word.format(n=_n(s["visitors"])))
    files = (s.get("distinct") or {}).get("file")
    if files:
        n = f"{'~' if files['estimate'] else ''}{_n(files['count'])}"
        facts.append(t["distinct_files"].format(n=n))
    if facts:
        out += ["", t["visitors"].format(facts=str(t["list_sep"]).join(facts))]
    for name, key, title in _SHOWN:
        panel = panels.get(name)
        if not panel or not panel["rows"]:
            continue
        delta = panel.get("delta") or 0
        head = t["counts_within" if delta else "panel"]
        out.append(head.format(title=t[title], delta=_n(delta)))
        for r in panel["rows"][:3]:
            label = f"  {_n(r['requests']):>10} {_pct(r['share']):>6}  "
            out.append(label + clean(r[key], max(10, width - len(label))))
    return out


def _span(sp: Mapping[str, Any]) -> tuple[str, str]:
    """A spike's start and end as shown (the end's date left out on the same day)."""
    start, end = _short_time(sp["start"]), _short_time(sp["end"])
    return start, end[11:16] if end[:10] == start[:10] else end


def _host_spikes(s: Mapping[str, Any], t: Mapping[str, Any], width: int) -> list[str]:
    """The spikes within a virtual host that no overall spike of theirs covers."""
    hidden = [h for h in s.get("host_spikes") or [] if not h["overall"]]
    if not hidden:
        return []
    out = ["", t["host_spikes"].format(n=len(hidden))]
    for h in hidden:
        start, end = _span(h)
        line = t["host_spike"].format(
            host=clean(h["host"], 60),
            kind=h["kind"],
            start=start,
            end=end,
            peak=_pct(h["peak_rate"]),
            baseline=_pct(h["baseline_rate"]),
            errors=_n(h["errors"]),
        )
        out.append("  " + _cut(line, width - 2))
    return out


def to_text(summary: Mapping[str, Any], *, width: int = 100, codes: int = 8) -> str:
    """A short plain-text account of a summary (from :func:`to_summary`) for a terminal.

    Totals, class shares, the top status codes with their descriptions,
    spikes with what explains them, and breached alerts. Log texts are
    passed through :func:`clean`.
    """
    s = summary
    t = texts(str(s.get("lang", "en")))
    sep = str(t["list_sep"])
    out: list[str] = []
    lines = s["lines"]
    fmt = clean(s["format"], 60)
    head = t["head"].format(lines=_n(lines["total"]), format=fmt, requests=_n(s["requests"]))
    if lines["rejected"]:
        names = t["reasons"]
        reasons = sep.join(
            t["reason_count"].format(n=_n(n), reason=names.get(r, clean(r)))
            for r, n in lines["rejected_by_reason"].items()
        )
        head += t["head_rejected"].format(
            rejected=_n(lines["rejected"]), ratio=_pct(lines["rejected_ratio"]), reasons=reasons
        )
    out.append(head)
    if not s["requests"]:
        out.append(t["no_requests_empty"] if not lines["total"] else t["no_requests"])
    else:
        tr = s["time_range"]
        out.append(
            t["span"].format(
                start=_short_time(tr["start"]),
                end=_short_time(tr["end"]),
                clock=_clock(s, t),
                window=s["window"],
            )
        )
        cls = "  ".join(
            f"{c} {_n(s['classes'][c])} ({_pct(s['rates'][c])})"
            for c in s["classes"]
            if s["classes"][c] or c not in ("1xx", "invalid")
        )
        out.append(t["classes"].format(classes=cls))
        out.append("")
        out.append(t["top_codes"])
        ranked = sorted(s["status_codes"], key=lambda r: (-r["count"], r["code"]))[:codes]
        for r in ranked:
            label = f"  {r['code']:>3}  {_pad(clean(r['reason'] or r['class'], 24), 24)} "
            label += f"{_n(r['count']):>10} {_pct(r['share']):>6}  "
            out.append(label + _cut(clean(r["description"]), max(10, width - _width(label))))
        out.extend(_dashboard(s, t, width))
    if s["spikes"]:
        out.append("")
        out.append(t["spikes"].format(n=len(s["spikes"])))
        for sp in s["spikes"]:
            start, end = _span(sp)
            line = t["spike"].format(
                kind=sp["kind"],
                start=start,
                end=end,
                peak=_pct(sp["peak_rate"]),
                baseline=_pct(sp["baseline_rate"]),
                errors=_n(sp["errors"]),
                excess=_n(sp["excess"]),
            )
            out.append("  " + line)
            ranked = sp.get("explained_by", [])[:3]
            keys = _for_people(ranked)
            why = [
                t["explainer_first" if i == 0 else "explainer"].format(
                    what=t["dimensions"].get(e["dimension"], clean(e["dimension"])),
                    key=clean(key, 32),
                    share=_share(e["excess_share"]),
                )
                for i, (e, key) in enumerate(zip(ranked, keys, strict=True))
            ]
            if why:
                out.append("      " + t["explained_by"].format(keys=sep.join(why)))
    out.extend(_host_spikes(s, t, width))
    if s.get("alerts"):
        out.append("")
        out.append(t["alerts"])
        out.extend(f"  {clean(b['message'])}" for b in s["alerts"])
    return "\n".join(out) + "\n"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (with an ellipsis when cut)."""
    if _width(text) <= width:
        return text
    out, used = [], 1
    for c in text:
        w = _width(c)
        if used + w > width:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))
