"""Alert conditions (``--fail-on``): parse them, evaluate them against an analysis.

A condition is ``METRIC OP VALUE`` (spaces allowed), for instance
``5xx-rate>2%``, ``4xx-rate>=10%``, ``spikes>0``, ``rejected>1%``,
``requests<100`` or ``5xx>50``.

Metrics (case-insensitive):

- ``1xx`` … ``5xx``, ``invalid``, ``errors`` (4xx + 5xx) and a status code
  such as ``503``: requests counted. With a ``%`` value, or with the
  ``-rate`` suffix (``5xx-rate``), their share of all requests.
- ``requests``, ``lines``: totals; ``parsed`` and ``rejected``: lines, or
  with ``%`` (or ``-rate``) their share of all lines.
- ``spikes``, ``5xx-spikes``, ``4xx-spikes``: spikes found.

Operators: ``>``, ``>=``, ``<``, ``<=``, ``==`` (or ``=``), ``!=``. A rate's
value is a percentage (``2%``) or a fraction (``0.02``); ``5xx-rate>2`` is an
error rather than a silent "over 200%". A rate over no requests is 0. A
condition that can never hold (``5xx-rate>200%``, ``requests<0``) is an error
too, rather than an alert that silently never fires.

Examples
--------
>>> c = parse_condition("5xx-rate > 2%")
>>> c.metric, c.op, c.threshold, c.percent
('5xx-rate', '>', 0.02, True)
>>> [c.text for c in parse_conditions(["spikes>0,requests<100", "503>=1"])]
['spikes>0', 'requests<100', '503>=1']
>>> parse_condition("5xx-rate>2")
Traceback (most recent call last):
...
httplog.errors.OptionError: bad fail_on '5xx-rate>2': a rate is a percentage (2%) or a fraction (0.02)
>>> import os, tempfile, httplog
>>> p = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 10 "-" "curl/8"\\n'
...     '192.0.2.2 - - [10/Oct/2000:13:56:01 +0000] "GET /x HTTP/1.1" 503 0 "-" "curl/8"\\n'
... )
>>> [
...     b.message
...     for b in breaches(parse_conditions(["5xx-rate>2%", "requests<1"]), httplog.analyze(p))
... ]
['5xx-rate>2%: 5xx rate is 50% (> 2%)']
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from httplog.analysis import Analysis
from httplog.errors import OptionError, RejectedError
from httplog.statuscodes import CLASSES, class_of

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}

_CONDITION = re.compile(
    r"^\s*(?P<metric>[a-z0-9][a-z0-9_-]*?)\s*(?P<op>>=|<=|==|!=|>|<|=)\s*"
    r"(?P<value>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<pct>%?)\s*$",
    re.IGNORECASE,
)

#: Default for ``--max-rejected``: more rejected lines than this means a wrong format.
MAX_REJECTED = 0.5

_TOTALS = ("requests", "lines")
_SPIKES = ("spikes", "5xx-spikes", "4xx-spikes")
_LINE_COUNTS = ("parsed", "rejected")


def _bad(text: str, why: str) -> OptionError:
    return OptionError("fail_on", text, why)


def _base_metric(name: str) -> str | None:
    """``5xx`` → ``5xx``; ``503`` → ``503``; unknown → None."""
    if name in CLASSES or name in ("errors", *_TOTALS, *_SPIKES, *_LINE_COUNTS):
        return name
    if re.fullmatch(r"[0-9]{3}", name):
        return name
    return None


@dataclass(frozen=True)
class Condition:
    """One parsed condition: ``metric op threshold``.

    ``metric`` is normalised (lower case; ``5xx%`` becomes ``5xx-rate``);
    ``threshold`` is a fraction for rates; ``percent`` tells whether the
    user wrote a percentage (for messages).
    """

    text: str
    metric: str
    op: str
    threshold: float
    percent: bool = False

    @property
    def is_rate(self) -> bool:
        return self.metric.endswith("-rate")

    def value(self, analysis: Analysis) -> float:
        """The metric's value in an analysis."""
        a = analysis
        base = self.metric.removesuffix("-rate")
        if base == "requests":
            return float(a.requests)
        if base == "lines":
            return float(a.lines)
        if base in _LINE_COUNTS:
            n = a.parsed if base == "parsed" else a.rejected
            return (n / a.lines if a.lines else 0.0) if self.is_rate else float(n)
        if base in _SPIKES:
            spikes = a.spikes
            if base != "spikes":
                spikes = spikes.filter(spikes["kind"] == base.split("-")[0])
            return float(spikes.height)
        count = _requests_of(a, base)
        if self.is_rate:
            return count / a.requests if a.requests else 0.0
        return float(count)

    def check(self, analysis: Analysis) -> Check:
        """Evaluate against an analysis."""
        v = self.value(analysis)
        return Check(self, v, _OPS[self.op](v, self.threshold))


def _requests_of(a: Analysis, base: str) -> int:
    classes = dict(zip(a.classes["class"].to_list(), a.classes["requests"].to_list(), strict=True))
    if base in CLASSES:
        return int(classes.get(base, 0))
    if base == "errors":
        return int(classes.get("4xx", 0)) + int(classes.get("5xx", 0))
    code = int(base)
    hit = a.status.filter(a.status["status"] == code)["requests"]
    return int(hit.sum()) if len(hit) else 0


def _fmt_value(x: float, percent: bool) -> str:
    if percent:
        s = f"{x * 100:.2f}".rstrip("0").rstrip(".")
        return f"{s}%"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.4g}"


_LABELS = {
    "requests": "requests",
    "lines": "lines",
    "parsed": "parsed lines",
    "rejected": "rejected lines",
    "errors": "4xx+5xx responses",
}


@dataclass(frozen=True)
class Check:
    """A condition evaluated: its value and whether it holds (``breached``)."""

    condition: Condition
    value: float
    breached: bool

    @property
    def message(self) -> str:
        """One line: ``5xx-rate>2%: 5xx rate is 3.1% (> 2%)``, ``spikes>0: 2 spikes (> 0)``."""
        c = self.condition
        base = c.metric.removesuffix("-rate")
        limit = _fmt_value(c.threshold, c.is_rate)
        shown = _fmt_value(self.value, c.is_rate)
        if c.is_rate:
            if base in _LINE_COUNTS:
                what = f"{base} share of lines"
            elif base.isdigit():
                what = f"{base} ({class_of(int(base))}) rate"
            else:
                what = f"{_LABELS.get(base, base)} rate"
            return f"{c.text}: {what} is {shown} ({c.op} {limit})"
        what = base.replace("-", " ") if base in _SPIKES else _LABELS.get(base, f"{base} responses")
        return f"{c.text}: {shown} {what} ({c.op} {limit})"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (an entry of the summary's ``alerts`` and ``checks``)."""
        c = self.condition
        return {
            "condition": c.text,
            "metric": c.metric,
            "operator": c.op,
            "threshold": c.threshold,
            "percent": c.percent,
            "value": self.value,
            "breached": self.breached,
            "message": self.message,
        }


def parse_condition(text: str) -> Condition:
    """Parse one condition; a :class:`~httplog.errors.UsageError` names a bad one."""
    raw = text.strip()
    m = _CONDITION.match(raw)
    if not m:
        if re.search(r"[<>=!]", raw) is None:
            raise _bad(raw, "write METRIC OP VALUE, such as 5xx-rate>2% or spikes>0")
        raise _bad(raw, "write METRIC OP VALUE with OP one of > >= < <= == != (5xx-rate>2%)")
    metric = m.group("metric").lower().replace("_", "-")
    op = "==" if m.group("op") == "=" else m.group("op")
    value = float(m.group("value"))
    pct = bool(m.group("pct"))
    rate = metric.endswith("-rate")
    base = _base_metric(metric.removesuffix("-rate"))
    if base is None:
        raise _bad(
            raw,
            f"unknown metric {m.group('metric')!r}: use 1xx…5xx, invalid, errors, a status "
            "code (503), requests, lines, parsed, rejected or spikes, optionally with -rate",
        )
    no_rate = base in (*_TOTALS, *_SPIKES)
    if no_rate and (rate or pct):
        raise _bad(raw, f"{base} is a count: it has no rate or percentage")
    if not math.isfinite(value):
        raise _bad(raw, "the value is too large")
    if op == "<" and value == 0:
        raise _bad(raw, "nothing is below 0: this condition can never hold")
    if pct or rate:
        if rate and not pct and value > 1:
            raise _bad(raw, "a rate is a percentage (2%) or a fraction (0.02)")
        threshold = value / 100 if pct else value
        if threshold > 1 or (op == ">" and threshold == 1):
            raise _bad(raw, "a rate is at most 100%: this condition can never hold")
        return Condition(raw, f"{base}-rate", op, threshold, percent=True)
    return Condition(raw, base, op, value, percent=False)


def parse_conditions(items: Iterable[str]) -> list[Condition]:
    """Parse conditions given as repeated options and/or comma-separated lists."""
    out = []
    for item in items:
        for part in str(item).split(","):
            if part.strip():
                out.append(parse_condition(part))
    return out


def evaluate(conditions: Iterable[Condition], analysis: Analysis) -> list[Check]:
    """Every condition evaluated, in order."""
    return [c.check(analysis) for c in conditions]


def breaches(conditions: Iterable[Condition], analysis: Analysis) -> list[Check]:
    """The conditions that hold (what makes the CLI exit with status 1)."""
    return [c for c in evaluate(conditions, analysis) if c.breached]


def parse_ratio(text: str | float, option: str = "max_rejected") -> float:
    """``50%`` or ``0.5`` → 0.5; anything outside 0–100% is an OptionError naming ``option``.

    >>> parse_ratio("5%"), parse_ratio("0.25"), parse_ratio(1)
    (0.05, 0.25, 1.0)
    """
    s = str(text).strip()
    try:
        x = float(s[:-1]) / 100 if s.endswith("%") else float(s)
    except ValueError:
        x = -1.0
    if not 0 <= x <= 1:
        raise OptionError(option, text, "use a percentage (50%) or a fraction (0.5)")
    return x


def check_rejected(
    lines: int,
    rejected: int,
    max_ratio: float = MAX_REJECTED,
    *,
    format_label: str | None = None,
) -> None:
    """Raise a :class:`~httplog.errors.RejectedError` when more than ``max_ratio``
    of the lines were rejected.

    So many rejected lines almost always mean the format is wrong, and a
    report over the few lines that happened to match would mislead. The
    error's ``allow`` is the smallest limit that would accept these lines.

    >>> check_rejected(10, 2)
    >>> check_rejected(10, 9, format_label="common")
    Traceback (most recent call last):
    ...
    httplog.errors.RejectedError: 90% of lines (9 of 10) do not parse as common: the format is probably wrong
    """
    if lines <= 0 or rejected / lines <= max_ratio:
        return
    ratio = rejected / lines
    fmt = f" as {format_label}" if format_label and format_label != "unknown" else ""
    shown = _fmt_value(ratio, True)
    allow = min(1.0, (int(ratio * 100) + 1) / 100) if ratio < 1 else 1.0
    if ratio * 100 == int(ratio * 100):
        allow = ratio
    msg = f"{shown} of lines ({rejected:,} of {lines:,}) do not parse{fmt}: the format is probably wrong"
    raise RejectedError(
        msg, lines=lines, rejected=rejected, ratio=ratio, allow=allow, format_label=format_label
    )


def percent(x: float) -> str:
    """A fraction as the percentage a user writes: ``0.74`` → ``74%``.

    >>> percent(0.74), percent(1.0), percent(0.125)
    ('74%', '100%', '12.5%')
    """
    return _fmt_value(x, True)
