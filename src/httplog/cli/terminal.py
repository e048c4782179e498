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

from collections.abc import Mapping
from typing import Any

from httplog import clean


def _pct(x: float) -> str:
    if x == 0:
        return "0%"
    if x < 0.001:
        return "<0.1%"
    return f"{x * 100:.1f}%"


def _n(x: int) -> str:
    return f"{x:,}"


def _short_time(t: str | None) -> str:
    return t.replace("T", " ")[:19] if t else "-"


#: Panels shown in the terminal (the first rows of each, when the log has it).
_SHOWN = (("requests", "path", "Requested files"), ("not_found", "path", "Not found"))


def _dashboard(s: Mapping[str, Any], width: int) -> list[str]:
    """The overview (visitors, distinct files) and the first rows of a few panels."""
    out: list[str] = []
    panels = s.get("panels") or {}
    facts = []
    if s.get("visitors") is not None:
        est = panels.get("visitors", {}).get("estimate")
        facts.append(f"{_n(s['visitors'])}{' (estimate)' if est else ''} unique visitors")
    files = (s.get("distinct") or {}).get("file")
    if files:
        facts.append(f"{'~' if files['estimate'] else ''}{_n(files['count'])} distinct files")
    if facts:
        out += ["", "Visitors: " + ", ".join(facts)]
    for name, key, title in _SHOWN:
        panel = panels.get(name)
        if not panel or not panel["rows"]:
            continue
        delta = panel.get("delta") or 0
        out.append(f"{title}{f' (counts within +{_n(delta)})' if delta else ''}:")
        for r in panel["rows"][:3]:
            label = f"  {_n(r['requests']):>10} {_pct(r['share']):>6}  "
            out.append(label + clean(r[key], max(10, width - len(label))))
    return out


def to_text(summary: Mapping[str, Any], *, width: int = 100, codes: int = 8) -> str:
    """A short plain-text account of a summary (from :func:`to_summary`) for a terminal.

    Totals, class shares, the top status codes with their descriptions,
    spikes with what explains them, and breached alerts. Log texts are
    passed through :func:`clean`.
    """
    s = summary
    out: list[str] = []
    lines = s["lines"]
    fmt = clean(s["format"], 60)
    head = f"{_n(lines['total'])} lines ({fmt}): {_n(s['requests'])} requests"
    if lines["rejected"]:
        reasons = ", ".join(f"{n} {clean(r)}" for r, n in lines["rejected_by_reason"].items())
        head += f", {_n(lines['rejected'])} rejected ({_pct(lines['rejected_ratio'])}: {reasons})"
    out.append(head)
    if not s["requests"]:
        out.append(
            "No requests found"
            + (" (the input is empty)." if not lines["total"] else " (see the filters and format).")
        )
    else:
        tr = s["time_range"]
        out.append(
            f"From {_short_time(tr['start'])} to {_short_time(tr['end'])} ({s['tz']}), "
            f"{s['window']} windows"
        )
        cls = "  ".join(
            f"{c} {_n(s['classes'][c])} ({_pct(s['rates'][c])})"
            for c in s["classes"]
            if s["classes"][c] or c not in ("1xx", "invalid")
        )
        out.append(f"Classes: {cls}")
        out.append("")
        out.append("Top status codes:")
        ranked = sorted(s["status_codes"], key=lambda r: (-r["count"], r["code"]))[:codes]
        for r in ranked:
            label = f"  {r['code']:>3}  {clean(r['reason'] or r['class'], 24):<24} "
            label += f"{_n(r['count']):>10} {_pct(r['share']):>6}  "
            out.append(label + clean(r["description"], max(10, width - len(label))))
        out.extend(_dashboard(s, width))
    if s["spikes"]:
        out.append("")
        out.append(f"Spikes ({len(s['spikes'])}):")
        for sp in s["spikes"]:
            start, end = _short_time(sp["start"]), _short_time(sp["end"])
            if end[:10] == start[:10]:
                end = end[11:16]
            line = (
                f"  {sp['kind']} {start} – {end}: "
                f"peak {_pct(sp['peak_rate'])} (baseline {_pct(sp['baseline_rate'])}), "
                f"{_n(sp['errors'])} errors, {_n(sp['excess'])} excess"
            )
            out.append(line)
            why = [f"{c['code']}" for c in sp["top_codes"][:2]]
            why += [clean(p["path"], 40) for p in sp["top_paths"][:2]]
            if why:
                out.append("      mostly " + ", ".join(why))
    if s.get("alerts"):
        out.append("")
        out.append("Alerts:")
        out.extend(f"  {clean(b['message'])}" for b in s["alerts"])
    return "\n".join(out) + "\n"
