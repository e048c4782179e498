"""The JSON summary of an analysis (a stable contract, version 1) and its text twin.

:func:`to_summary` turns an :class:`~httplog.analysis.Analysis` into plain
JSON-ready data: totals, classes, status codes with descriptions, windows,
top keys, spikes with what explains them, and the alert conditions that hold.
:data:`SCHEMA` is its JSON Schema (draft 2020-12) and :func:`validate` a small
validator for it, so a monitoring script can rely on every field documented in
``docs/cli.md``. Version 1 only ever gains fields; renaming or removing one
bumps :data:`SUMMARY_VERSION`.

Times are ISO 8601 with the UTC offset of the analysis' time zone. Rates and
shares are fractions (0.025 is 2.5%). Texts that come from logs (paths, user
agents) are data: JSON-escaped here, and stripped of control characters by
:func:`to_text` before they reach a terminal.

Examples
--------
>>> import os, tempfile, json, httplog
>>> p = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 10 "-" "curl/8"\\n'
...     '192.0.2.2 - - [10/Oct/2000:13:56:01 +0000] "GET /x HTTP/1.1" 503 0 "-" "curl/8"\\n'
... )
>>> s = to_summary(httplog.analyze(p))
>>> s["version"], s["lines"]["total"], s["classes"]["5xx"], s["rates"]["5xx"]
(1, 2, 1, 0.5)
>>> s["status_codes"][1]["code"], s["status_codes"][1]["reason"]
(503, 'Service Unavailable')
>>> validate(s)
[]
>>> json.loads(to_json(httplog.analyze(p)))["time_range"]["start"]
'2000-10-10T13:55:36+00:00'
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import polars as pl

from httplog.analysis import Analysis
from httplog.display import visible
from httplog.statuscodes import CLASSES

#: Version of the summary's layout; bumped only when a field changes meaning or goes.
SUMMARY_VERSION = 1


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("httplog")
    except PackageNotFoundError:  # pragma: no cover - source tree without metadata
        return "0+unknown"


def _iso(t: datetime | None, tz: str) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    from zoneinfo import ZoneInfo

    return t.astimezone(ZoneInfo(tz)).isoformat()


def _num(x: object) -> float | None:
    """A finite float, or None (JSON has no NaN or infinity)."""
    if x is None:
        return None
    f = float(x)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None


def _int(x: object) -> int:
    return int(x or 0)  # type: ignore[call-overload]


def _check_dict(b: object) -> dict[str, Any]:
    if isinstance(b, Mapping):
        return dict(b)
    as_dict = getattr(b, "as_dict", None)
    if as_dict is None:
        msg = f"an alert is a mapping or has as_dict(), not {type(b).__name__}"
        raise TypeError(msg)
    return dict(as_dict())


def _format_label(a: Analysis) -> str:
    if a.format != "unknown":
        return a.format
    fmt = a.options.log_format
    if fmt is None:
        return "unknown"
    return fmt if isinstance(fmt, str) else fmt.label


def to_summary(
    analysis: Analysis,
    breaches: Iterable[object] | None = None,
    *,
    checks: Iterable[object] | None = None,
    extra: Mapping[str, Any] | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The summary of an analysis as JSON-ready data (see :data:`SCHEMA`).

    ``breaches`` are the alert conditions that hold (objects with
    ``as_dict()``, such as :class:`httplog.alerts.Check`, or mappings); they
    become ``alerts``. ``checks`` (optional) are all the conditions evaluated,
    breached or not. ``extra`` adds top-level fields (the CLI adds
    ``incremental`` with ``--state``); it can't replace documented ones.
    """
    a = analysis
    o = a.options
    tz = o.tz
    requests = a.requests
    classes = {r["class"]: _int(r["requests"]) for r in a.classes.iter_rows(named=True)}
    rates = {c: (classes.get(c, 0) / requests if requests else 0.0) for c in CLASSES}
    start, end = a.time_range if a.time_range else (None, None)

    summary: dict[str, Any] = {
        "version": SUMMARY_VERSION,
        "generator": {"name": "httplog", "version": _version()},
        "generated_at": _iso(generated_at or datetime.now(UTC), tz),
        "format": _format_label(a),
        "detection": a.detection,
        "window": a.window,
        "tz": tz,
        "lang": o.lang,
        "filters": {
            "since": _iso(o.since, tz),
            "until": _iso(o.until, tz),
            "status": list(o.status),
            "path_prefix": o.path_prefix,
            "bots": o.bots,
        },
        "inputs": [
            {
                "source": r["source"],
                "lines": _int(r["lines"]),
                "parsed": _int(r["parsed"]),
                "rejected": _int(r["rejected"]),
                "bytes_read": _int(r["bytes_read"]),
            }
            for r in a.inputs.iter_rows(named=True)
        ],
        "lines": {
            "total": a.lines,
            "parsed": a.parsed,
            "rejected": a.rejected,
            "directives": a.directives,
            "rejected_ratio": a.rejected / a.lines if a.lines else 0.0,
            "rejected_by_reason": {k: int(v) for k, v in a.rejected_by_reason.items()},
        },
        "rejected_samples": [
            {
                "source": r["source"],
                "line": _int(r["line"]),
                "reason": r["reason"],
                "text": r["text"],
            }
            for r in a.rejected_samples.iter_rows(named=True)
        ],
        "requests": requests,
        "bytes": _int(a.timeline["bytes"].sum()) if a.timeline.height else 0,
        "time_range": {"start": _iso(start, tz), "end": _iso(end, tz)},
        "classes": {c: classes.get(c, 0) for c in CLASSES},
        "rates": rates,
        "status_codes": [
            {
                "code": int(r["status"]),
                "count": _int(r["requests"]),
                "share": _num(r["share"]) or 0.0,
                "class": r["class"],
                "reason": r["reason"],
                "description": r["description"],
            }
            for r in a.status.iter_rows(named=True)
        ],
        "windows": _windows(a),
        "top": _top(a),
        "spikes": _spikes(a),
        "alerts": [_check_dict(b) for b in (breaches or [])],
    }
    if checks is not None:
        summary["checks"] = [_check_dict(c) for c in checks]
    for k, v in (extra or {}).items():
        if k in summary:
            msg = f"extra summary field {k!r} would replace a documented one"
            raise ValueError(msg)
        summary[k] = v
    return summary


def _windows(a: Analysis) -> list[dict[str, Any]]:
    tz = a.options.tz
    out = []
    for r in a.timeline.iter_rows(named=True):
        w: dict[str, Any] = {
            "start": _iso(r["start"], tz),
            "end": _iso(r["end"], tz),
            "requests": _int(r["requests"]),
            "counts": {c: _int(r[c]) for c in CLASSES},
            "error_rate_4xx": _num(r["rate_4xx"]) or 0.0,
            "error_rate_5xx": _num(r["rate_5xx"]) or 0.0,
            "bytes": _int(r["bytes"]),
        }
        if a.latencies:
            w["latency"] = {
                m: {q: _num(r[f"{m}_{q}"]) for q in ("p50", "p90", "p99")} for m in a.latencies
            }
        out.append(w)
    return out


def _top(a: Analysis) -> dict[str, dict[str, list[dict[str, Any]]]]:
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    # as many entries per table as the analysis has: its options' ``top`` (``--top``)
    top = a.top.filter(pl.col("rank") <= a.options.top)
    for r in top.iter_rows(named=True):
        scopes = out.setdefault(r["dimension"], {"all": [], "4xx": [], "5xx": []})
        scopes.setdefault(r["scope"], []).append(
            {"key": r["key"], "requests": _int(r["requests"]), "share": _num(r["share"]) or 0.0}
        )
    return out


def _spikes(a: Analysis) -> list[dict[str, Any]]:
    tz = a.options.tz
    ex = a.explanations
    out = []
    for s in a.spikes.iter_rows(named=True):
        mine = ex.filter(pl.col("spike") == s["spike"])
        explanations: dict[str, list[dict[str, Any]]] = {}
        for r in mine.iter_rows(named=True):
            explanations.setdefault(r["dimension"], []).append(
                {
                    "key": r["key"],
                    "count": _int(r["count"]),
                    "share": _num(r["share"]),
                    "baseline_count": _int(r.get("baseline_count")),
                    "baseline_share": _num(r["baseline_share"]),
                    "lift": _num(r["lift"]),
                    "excess": _num(r["excess"]),
                }
            )
        paths = explanations.get("path", [])
        codes = explanations.get("status", [])
        out.append(
            {
                "id": int(s["spike"]),
                "kind": s["kind"],
                "start": _iso(s["start"], tz),
                "end": _iso(s["end"], tz),
                "windows": _int(s["windows"]),
                "requests": _int(s["requests"]),
                "errors": _int(s["errors"]),
                "peak_rate": _num(s["peak_rate"]) or 0.0,
                "baseline_rate": _num(s["baseline_rate"]) or 0.0,
                "excess": _int(s["excess"]),
                "top_paths": [
                    {"path": e["key"], "count": e["count"], "share": e["share"], "lift": e["lift"]}
                    for e in paths
                ],
                "top_codes": [
                    {
                        "code": int(e["key"]) if str(e["key"]).isdigit() else e["key"],
                        "count": e["count"],
                        "share": e["share"],
                        "lift": e["lift"],
                    }
                    for e in codes
                ],
                "explanations": explanations,
            }
        )
    return out


def to_json(
    analysis: Analysis,
    breaches: Iterable[object] | None = None,
    *,
    indent: int | None = 2,
    **kwargs: Any,
) -> str:
    """The summary as JSON text (UTF-8, no NaN); ``kwargs`` go to :func:`to_summary`."""
    return dumps(to_summary(analysis, breaches, **kwargs), indent=indent)


def dumps(summary: Mapping[str, Any], *, indent: int | None = 2) -> str:
    """A summary (from :func:`to_summary`) as JSON text, ending with a newline."""
    return json.dumps(summary, indent=indent, ensure_ascii=False, allow_nan=False) + "\n"


# ------------------------------------------------------------------ schema

_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_COUNT = {"type": "integer", "minimum": 0}
_RATE = {"type": "number", "minimum": 0}
_RATE_OR_NULL = {"type": ["number", "null"]}
_CLASS_COUNTS = {
    "type": "object",
    "required": list(CLASSES),
    "properties": dict.fromkeys(CLASSES, _COUNT),
    "additionalProperties": False,
}


def _obj(
    props: dict[str, Any], *, required: list[str] | None = None, extra: bool = True
) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(props) if required is None else required,
        "properties": props,
        "additionalProperties": extra,
    }


_ALERT = _obj(
    {
        "condition": {"type": "string"},
        "metric": {"type": "string"},
        "operator": {"enum": [">", ">=", "<", "<=", "==", "!="]},
        "threshold": {"type": "number"},
        "percent": {"type": "boolean"},
        "value": {"type": "number"},
        "breached": {"type": "boolean"},
        "message": {"type": "string"},
    }
)
_EXPLANATION = _obj(
    {
        "key": {"type": "string"},
        "count": _COUNT,
        "share": _RATE_OR_NULL,
        "baseline_count": _COUNT,
        "baseline_share": _RATE_OR_NULL,
        "lift": _RATE_OR_NULL,
        "excess": {"type": ["number", "null"]},
    }
)
_TOP_ENTRY = _obj({"key": {"type": ["string", "null"]}, "requests": _COUNT, "share": _RATE})

#: JSON Schema (draft 2020-12) of :func:`to_summary`'s output, version 1.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://github.com/httplog/httplog/docs/summary-v1.schema.json",
    "title": "httplog summary",
    "description": "What httplog found in access logs: totals, status codes, windows, spikes, alerts.",
    **_obj(
        {
            "version": {"const": SUMMARY_VERSION},
            "generator": _obj({"name": {"const": "httplog"}, "version": {"type": "string"}}),
            "generated_at": _TIME,
            "format": {"type": "string"},
            "detection": {"type": ["string", "null"]},
            "window": {"type": "string"},
            "tz": {"type": "string"},
            "lang": {"type": "string"},
            "filters": _obj(
                {
                    "since": _TIME_OR_NULL,
                    "until": _TIME_OR_NULL,
                    "status": {"type": "array", "items": {"type": "string"}},
                    "path_prefix": {"type": ["string", "null"]},
                    "bots": {"enum": ["include", "exclude", "only"]},
                }
            ),
            "inputs": {
                "type": "array",
                "items": _obj(
                    {
                        "source": {"type": "string"},
                        "lines": _COUNT,
                        "parsed": _COUNT,
                        "rejected": _COUNT,
                        "bytes_read": _COUNT,
                    }
                ),
            },
            "lines": _obj(
                {
                    "total": _COUNT,
                    "parsed": _COUNT,
                    "rejected": _COUNT,
                    "directives": _COUNT,
                    "rejected_ratio": _RATE,
                    "rejected_by_reason": {"type": "object", "additionalProperties": _COUNT},
                }
            ),
            "rejected_samples": {
                "type": "array",
                "items": _obj(
                    {
                        "source": {"type": "string"},
                        "line": _COUNT,
                        "reason": {"type": "string"},
                        "text": {"type": ["string", "null"]},
                    }
                ),
            },
            "requests": _COUNT,
            "bytes": _COUNT,
            "time_range": _obj({"start": _TIME_OR_NULL, "end": _TIME_OR_NULL}),
            "classes": _CLASS_COUNTS,
            "rates": {
                "type": "object",
                "required": list(CLASSES),
                "properties": dict.fromkeys(CLASSES, _RATE),
                "additionalProperties": False,
            },
            "status_codes": {
                "type": "array",
                "items": _obj(
                    {
                        "code": {"type": "integer"},
                        "count": _COUNT,
                        "share": _RATE,
                        "class": {"enum": list(CLASSES)},
                        "reason": {"type": "string"},
                        "description": {"type": "string"},
                    }
                ),
            },
            "windows": {
                "type": "array",
                "items": _obj(
                    {
                        "start": _TIME,
                        "end": _TIME,
                        "requests": _COUNT,
                        "counts": _CLASS_COUNTS,
                        "error_rate_4xx": _RATE,
                        "error_rate_5xx": _RATE,
                        "bytes": _COUNT,
                        "latency": {
                            "type": "object",
                            "additionalProperties": _obj(
                                {"p50": _RATE_OR_NULL, "p90": _RATE_OR_NULL, "p99": _RATE_OR_NULL}
                            ),
                        },
                    },
                    required=[
                        "start",
                        "end",
                        "requests",
                        "counts",
                        "error_rate_4xx",
                        "error_rate_5xx",
                        "bytes",
                    ],
                ),
            },
            "top": {
                "type": "object",
                "additionalProperties": _obj(
                    {
                        "all": {"type": "array", "items": _TOP_ENTRY},
                        "4xx": {"type": "array", "items": _TOP_ENTRY},
                        "5xx": {"type": "array", "items": _TOP_ENTRY},
                    }
                ),
            },
            "spikes": {
                "type": "array",
                "items": _obj(
                    {
                        "id": {"type": "integer", "minimum": 1},
                        "kind": {"enum": ["4xx", "5xx"]},
                        "start": _TIME,
                        "end": _TIME,
                        "windows": _COUNT,
                        "requests": _COUNT,
                        "errors": _COUNT,
                        "peak_rate": _RATE,
                        "baseline_rate": _RATE,
                        "excess": _COUNT,
                        "top_paths": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "path": {"type": "string"},
                                    "count": _COUNT,
                                    "share": _RATE_OR_NULL,
                                    "lift": _RATE_OR_NULL,
                                }
                            ),
                        },
                        "top_codes": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "code": {"type": ["integer", "string"]},
                                    "count": _COUNT,
                                    "share": _RATE_OR_NULL,
                                    "lift": _RATE_OR_NULL,
                                }
                            ),
                        },
                        "explanations": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": _EXPLANATION},
                        },
                    }
                ),
            },
            "alerts": {"type": "array", "items": _ALERT},
            "checks": {"type": "array", "items": _ALERT},
            "incremental": {"type": "object"},
        },
        required=[
            "version",
            "generator",
            "generated_at",
            "format",
            "detection",
            "window",
            "tz",
            "lang",
            "filters",
            "inputs",
            "lines",
            "rejected_samples",
            "requests",
            "bytes",
            "time_range",
            "classes",
            "rates",
            "status_codes",
            "windows",
            "top",
            "spikes",
            "alerts",
        ],
    ),
}


# --------------------------------------------------------------- validation

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _is_type(value: object, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "number" and isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, _TYPES[name])


def validate(instance: object, schema: Mapping[str, Any] | None = None) -> list[str]:
    """Check ``instance`` against a JSON Schema; return the problems (empty: valid).

    Supports the keywords :data:`SCHEMA` uses: ``type``, ``const``, ``enum``,
    ``required``, ``properties``, ``additionalProperties``, ``items``,
    ``minimum`` and ``format: date-time``.

    >>> validate({"version": 2}, {"properties": {"version": {"const": 1}}})
    ['$.version: expected 1, got 2']
    """
    errors: list[str] = []
    _validate(instance, SCHEMA if schema is None else schema, "$", errors)
    return errors


def _validate(value: object, schema: Mapping[str, Any], where: str, errors: list[str]) -> None:
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: expected {schema['const']!r}, got {value!r}")
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']!r}")
        return
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, t) for t in types):
            errors.append(f"{where}: expected {' or '.join(types)}, got {type(value).__name__}")
            return
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if "minimum" in schema and number and value < schema["minimum"]:  # type: ignore[operator]
        errors.append(f"{where}: {value!r} is below {schema['minimum']!r}")
    if schema.get("format") == "date-time" and isinstance(value, str) and not _is_datetime(value):
        errors.append(f"{where}: {value!r} is not an ISO 8601 date-time with offset")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{where}: missing {key!r}")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, v in value.items():
            if key in props:
                _validate(v, props[key], f"{where}.{key}", errors)
            elif extra is False:
                errors.append(f"{where}: unexpected {key!r}")
            elif isinstance(extra, Mapping):
                _validate(v, extra, f"{where}.{key}", errors)
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            _validate(v, schema["items"], f"{where}[{i}]", errors)


_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


def _is_datetime(s: str) -> bool:
    if not _DATETIME.match(s):
        return False
    try:
        datetime.fromisoformat(s)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------- text


def clean(text: object, limit: int | None = None) -> str:
    """Text from a log made safe for a terminal (:func:`httplog.display.visible`).

    With ``limit``, cut to that many terminal cells (wide CJK characters
    take two) and end with "…".

    >>> clean("/a\\x1b[31mred\\u202e")
    '/a␛[31mred<U+202E>'
    >>> clean("请求已成功完成", 9)
    '请求已成…'
    """
    s = visible(text)
    if limit is None or _cells(s) <= limit:
        return s
    out, used = [], 0
    for ch in s:
        w = _cells(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _cells(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


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
