"""The JSON summary of an analysis: a stable contract (version 2), and its schema.

:func:`to_summary` turns an :class:`~httplog.analysis.Analysis` into plain
JSON-ready data: totals, classes, status codes with descriptions, windows,
top keys, spikes with what explains them, and the alert conditions that hold.
:data:`SCHEMA` is its JSON Schema (draft 2020-12) and :func:`validate` checks
a summary against it (with the ``jsonschema`` library), so a monitoring
script can rely on every field documented in ``docs/cli.md``. Version 2 keeps
every field of version 1 and adds the dashboard: ``visitors``, ``distinct``,
``panels``, and ``delta`` (the maximum error of a bounded count) on top keys.
A version only ever gains fields; renaming or removing one bumps
:data:`SUMMARY_VERSION`.

Times are ISO 8601 with the UTC offset of the analysis' time zone. Rates and
shares are fractions (0.025 is 2.5%). Texts that come from logs (paths, user
agents) are data: JSON-escaped here (the terminal text of ``httplog.cli``
makes them visible with :func:`httplog.display.clean`).

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
(2, 2, 1, 0.5)
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
import tomllib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import polars as pl

from httplog.analysis import Analysis
from httplog.errors import OptionError
from httplog.spikes import ranked_explanations
from httplog.statuscodes import CLASSES
from httplog.version import package_version
from httplog.windows import zone

if TYPE_CHECKING:  # pragma: no cover - typing only
    from jsonschema import ValidationError

#: Version of the summary's layout; bumped only when a field changes meaning or goes.
SUMMARY_VERSION = 2


def _iso(t: datetime | None, tz: str) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(zone(tz)).isoformat()


def _num(x: Any) -> float | None:
    """A finite float, or None (JSON has no NaN or infinity)."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _int(x: Any) -> int:
    return int(x or 0)


def _check_dict(b: object) -> dict[str, Any]:
    if isinstance(b, Mapping):
        return dict(b)
    as_dict = getattr(b, "as_dict", None)
    if as_dict is None:
        raise OptionError("breaches", type(b).__name__, "an alert is a mapping or has as_dict()")
    return dict(as_dict())


def _format_label(a: Analysis) -> str:
    if a.format != "unknown":
        return a.format
    return a.read.format_label or "unknown"


_DETECTED = re.compile(
    r"^(?P<what>.*) \((?P<matched>\d+)/(?P<sampled>\d+) sample lines\)(?P<rest>;.*)?$"
)


@cache
def _report_labels(lang: str) -> dict[str, str]:
    """The report's texts in ``lang`` (``report/templates/labels.toml``, section ``report``)."""
    path = files("httplog").joinpath("report", "templates", "labels.toml")
    return dict(tomllib.loads(path.read_text(encoding="utf-8"))[lang]["report"])


def detection_text(detection: str, lang: str = "en") -> str:
    """How the format was detected (``combined (200/200 sample lines)``), said in
    ``lang`` as the report says it (its ``detected_from`` label).

    >>> detection_text("combined (200/200 sample lines)", "zh")
    'combined（根据 200 行样本中的 200 行识别）'
    >>> detection_text("combined (200/200 sample lines)", "en")
    'combined (200/200 sample lines)'
    """
    m = _DETECTED.match(detection)
    if m is None:
        return detection
    rest = m["rest"] or ""
    if lang == "zh" and rest:
        rest = "；" + rest.lstrip("; ")
    fields = {"what": m["what"], "matched": m["matched"], "sampled": m["sampled"], "rest": rest}
    return _report_labels(lang)["detected_from"].format(**fields)


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
    v, f = a.view, a.filter
    tz = v.tz
    requests = a.requests
    classes = {r["class"]: _int(r["requests"]) for r in a.classes.iter_rows(named=True)}
    rates = {c: (classes.get(c, 0) / requests if requests else 0.0) for c in CLASSES}
    start, end = a.time_range if a.time_range else (None, None)

    summary: dict[str, Any] = {
        "version": SUMMARY_VERSION,
        "generator": {"name": "httplog", "version": package_version()},
        "generated_at": _iso(generated_at or datetime.now(UTC), tz),
        "format": _format_label(a),
        # as the engine words it in English (the contract), else as the report says it
        "detection": (
            detection_text(a.detection, v.lang)
            if a.detection is not None and v.lang != "en"
            else a.detection
        ),
        "window": a.window,
        "tz": tz,
        "tz_source": a.tz_source,
        "lang": v.lang,
        "filters": {
            "since": _iso(f.since, tz),
            "until": _iso(f.until, tz),
            "status": list(f.status),
            "path_prefix": f.path_prefix,
            "bots": v.bots,
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
        "visitors": a.visitors,
        "distinct": {
            r["dimension"]: {
                "count": _int(r["distinct"]),
                "estimate": bool(r["estimate"]),
                "error": _num(r["error"]) or 0.0,
            }
            for r in a.distinct.iter_rows(named=True)
        },
        "panels": _panels(a),
        "breakdowns": _breakdowns(a),
        "spikes": _spikes(a),
        "alerts": [_check_dict(b) for b in (breaches or [])],
    }
    if a.host_spikes is not None:  # (a log with virtual hosts)
        summary["host_spikes"] = _host_spikes(a.host_spikes, a.view.tz)
    if checks is not None:
        summary["checks"] = [_check_dict(c) for c in checks]
    for k, x in (extra or {}).items():
        if k in summary:
            raise OptionError("extra", k, "this summary field would replace a documented one")
        summary[k] = x
    return summary


def _windows(a: Analysis) -> list[dict[str, Any]]:
    tz = a.view.tz
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
    top = a.top.filter(pl.col("rank") <= a.view.top)
    for r in top.iter_rows(named=True):
        scopes = out.setdefault(r["dimension"], {"all": [], "4xx": [], "5xx": []})
        scopes.setdefault(r["scope"], []).append(
            {
                "key": r["key"],
                "requests": _int(r["requests"]),
                "share": _num(r["share"]) or 0.0,
                "delta": _int(r["delta"]),
            }
        )
    return out


#: Panels whose every row is in the summary (the others: the first ``--top``).
_WHOLE_PANELS = ("visitors", "time_distribution")


def _cell(x: Any) -> Any:
    if isinstance(x, float):
        return _num(x)
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return x


def _panels(a: Analysis) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, frame in a.panels.items():
        rows = frame if name in _WHOLE_PANELS else frame.head(a.view.top)
        panel: dict[str, Any] = {
            "rows": [{k: _cell(v) for k, v in r.items()} for r in rows.iter_rows(named=True)],
            "total_rows": frame.height,
        }
        if "delta" in frame.columns:
            panel["delta"] = _int(frame["delta"].max() or 0)
        if "estimate" in frame.columns:
            panel["estimate"] = bool(frame["estimate"].any())
        out[name] = panel
    return out


def _breakdowns(a: Analysis) -> dict[str, list[dict[str, Any]]]:
    """What the panel rows written above are made of (the keys of each
    panel's first ``top`` rows)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, frame in a.breakdowns.items():
        panel = a.panels.get(name)
        if panel is None:
            continue
        keys = panel.head(a.view.top)[panel.columns[0]].implode()
        rows = frame.filter(pl.col("key").is_in(keys))
        out[name] = [{k: _cell(v) for k, v in r.items()} for r in rows.iter_rows(named=True)]
    return out


def _spikes(a: Analysis) -> list[dict[str, Any]]:
    tz = a.view.tz
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
                    "excess_share": _num(r.get("excess_share")),
                    "explains": bool(r.get("explains")),
                }
            )
        explained_by = [
            {
                "dimension": r["dimension"],
                "key": r["key"],
                "count": _int(r["count"]),
                "share": _num(r["share"]),
                "lift": _num(r["lift"]),
                "excess_share": _num(r["excess_share"]),
            }
            for r in ranked_explanations(mine).iter_rows(named=True)
        ]
        paths = explanations.get("path", [])
        codes = explanations.get("status", [])
        out.append(
            {
                **_spike_fields(s, tz),
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
                "explained_by": explained_by,
            }
        )
    return out


def _host_spikes(spikes: pl.DataFrame, tz: str) -> list[dict[str, Any]]:
    """Spikes within a virtual host (:attr:`Analysis.host_spikes`)."""
    return [
        {"host": s["host"], **_spike_fields(s, tz), "overall": bool(s["overall"])}
        for s in spikes.iter_rows(named=True)
    ]


def _spike_fields(s: Mapping[str, Any], tz: str) -> dict[str, Any]:
    """One spike's own fields (a row of ``spikes`` or ``host_spikes``)."""
    return {
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
    }


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

#: JSON Schema (draft 2020-12) of :func:`to_summary`'s output, version 2: data,
#: ``data/summary.schema.json`` (its version const is :data:`SUMMARY_VERSION`, its
#: class names :data:`~httplog.statuscodes.CLASSES`: a test holds them to the code).
SCHEMA: dict[str, Any] = json.loads(
    files("httplog").joinpath("data", "summary.schema.json").read_text(encoding="utf-8")
)


# --------------------------------------------------------------- validation

_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


def _is_datetime(value: object) -> bool:
    """ISO 8601 with a UTC offset (``date-time`` in :data:`SCHEMA`)."""
    if not isinstance(value, str):
        return True  # (a type's business, not a format's)
    if not _DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _finite(checker: object, value: object) -> bool:
    """JSON numbers are finite: NaN and infinities are not numbers here."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (not isinstance(value, float) or math.isfinite(value))
    )


@cache
def _validator(schema_json: str) -> Any:
    import jsonschema  # (on first use: it takes a while to import)

    formats = jsonschema.FormatChecker(formats=())
    formats.checks("date-time")(_is_datetime)
    base = jsonschema.Draft202012Validator
    types = base.TYPE_CHECKER.redefine("number", _finite)
    cls = jsonschema.validators.extend(base, type_checker=types)  # type: ignore[no-untyped-call]  # (untyped in its stubs)
    return cls(json.loads(schema_json), format_checker=formats)


def validate(instance: object, schema: Mapping[str, Any] | None = None) -> list[str]:
    """Check ``instance`` against a JSON Schema (default :data:`SCHEMA`); the
    problems found (empty: valid), each as ``$.path: what is wrong``.

    >>> validate({"version": 2}, {"properties": {"version": {"const": 1}}})
    ['$.version: expected 1, got 2']
    """
    v = _validator(json.dumps(SCHEMA if schema is None else schema, sort_keys=True))
    found = [f"{_where(e.absolute_path)}: {_problem(e)}" for e in v.iter_errors(instance)]
    return list(dict.fromkeys(found))


def _where(path: Iterable[object]) -> str:
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _problem(e: ValidationError) -> str:
    """The problem in a few words (the keyword that failed says which)."""
    value, arg = e.instance, e.validator_value
    if e.validator == "const":
        return f"expected {arg!r}, got {value!r}"
    if e.validator == "enum":
        return f"{value!r} is not one of {arg!r}"
    if e.validator == "type":
        types = arg if isinstance(arg, list) else [arg]
        return f"expected {' or '.join(str(t) for t in types)}, got {type(value).__name__}"
    if e.validator == "minimum":
        return f"{value!r} is below {arg!r}"
    if e.validator == "format":
        return f"{value!r} is not an ISO 8601 date-time with offset"
    if e.validator == "required" and isinstance(arg, list) and isinstance(value, dict):
        return "; ".join(f"missing {k!r}" for k in arg if k not in value)
    if e.validator == "additionalProperties" and isinstance(value, dict):
        props = e.schema.get("properties", {}) if isinstance(e.schema, Mapping) else {}
        return "; ".join(f"unexpected {k!r}" for k in value if k not in props)
    return e.message
