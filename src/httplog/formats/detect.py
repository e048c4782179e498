"""Guess a log's format from a sample of its lines, and say how sure we are.

Every named format is tried on the sample (:func:`scores`); the one most
lines fit wins, ties going to the richer or more specific format (the order
of :data:`~httplog.formats.NAMES`). Directive lines (W3C's ``#`` lines, a CSV
header) count for the format they belong to, when some of its data lines fit
too. When no named format fits as many lines as a named format followed by
trailing fields (see :mod:`httplog.formats.trailing`), that is the guess.

Examples
--------
>>> d = detect(['192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326'])
>>> d.format.name, d.matched, d.sampled
('common', 1, 1)
>>> str(d)
'common (1/1 sample lines)'
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from httplog.errors import DetectionError
from httplog.formats import w3c
from httplog.formats.base import LogFormat
from httplog.formats.caddy import caddy
from httplog.formats.jsonl import compile_json, json_path, narrow, specialize
from httplog.formats.named import NAMES, compile_format
from httplog.formats.trailing import describe, detect_trailing

#: How many non-empty lines from the start of the first input are looked at.
SAMPLE_LINES = 200


@dataclass(frozen=True)
class Detection:
    """The chosen format and the evidence: ``matched`` of ``sampled`` lines fit it."""

    format: LogFormat
    matched: int
    sampled: int

    def __str__(self) -> str:
        trailing = describe(self.format)
        if trailing is None:
            return f"{self.format.label} ({self.matched}/{self.sampled} sample lines)"
        return (
            f"{trailing} ({self.matched}/{self.sampled} sample lines); "
            f"name them with --log-format '{self.format.label}'"
        )


def detect(lines: list[str]) -> Detection:
    """Pick the format that matches most sample lines.

    An empty sample gives ``combined`` with 0/0 lines; a sample no format fits
    is a :class:`~httplog.errors.FormatError` naming the formats tried.
    """
    sample = [ln for ln in lines if ln and ln.strip()][:SAMPLE_LINES]
    if not sample:
        return Detection(compile_format("combined"), 0, 0)
    s = pl.Series("line", sample, dtype=pl.String)
    found = scores(sample)
    name = max(NAMES, key=lambda n: (found[n][0], -NAMES.index(n)))
    best, fmt = found[name]
    trailing = detect_trailing(s) if best < len(sample) else None
    if trailing is not None and trailing[0] > best:
        best, fmt = trailing
    if best == 0:
        msg = (
            f"could not detect the log format: none of {', '.join(NAMES)} matches any of "
            f"the first {len(sample)} lines"
        )
        raise DetectionError(msg, tried=tuple(NAMES), sampled=len(sample))
    return Detection(fmt, best, len(sample))


def scores(lines: list[str]) -> dict[str, tuple[int, LogFormat]]:
    """For each named format: how many of ``lines`` it reads, and the format to read them with.

    >>> line = '192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326 "-" "-"'
    >>> {k: v[0] for k, v in scores([line]).items() if v[0]}
    {'combined': 1, 'nginx': 1}
    """
    s = pl.Series("line", lines, dtype=pl.String)
    out: dict[str, tuple[int, LogFormat]] = {}
    caddy_fmt = narrow(caddy(), _leaves(lines))
    is_caddy = _json_mask(s, caddy_fmt, ("time", "status", "method"))
    for name in NAMES:
        if name == "json":
            fmt = specialize(compile_json(), lines)
            # Caddy's lines are JSON with a time and a status too: they are Caddy's.
            n = int((_json_mask(s, fmt, ("time", "status")) & ~is_caddy).sum())
        elif name == "caddy":
            fmt, n = caddy_fmt, int(is_caddy.sum())
        elif name in ("w3c", "cloudfront"):
            data, directives, fmt = w3c.score(lines, compile_format(name))
            n = data + directives if data else 0
        else:
            fmt = compile_format(name)
            n = int(s.str.contains(fmt.pattern).sum())
            if n and fmt.directive:
                n += int(s.str.contains(fmt.directive).sum())
        out[name] = (n, fmt)
    return out


def _leaves(lines: list[str]) -> set[str]:
    """The keys (at any depth) the JSON lines of a sample hold."""
    import json

    keys: set[str] = set()

    def walk(obj: object) -> None:
        if isinstance(obj, dict):
            keys.update(obj)
            for v in obj.values():
                walk(v)

    for line in lines:
        if line.startswith("{"):
            try:
                walk(json.loads(line))
            except ValueError:
                continue
    return keys


def _json_mask(s: pl.Series, fmt: LogFormat, needed: tuple[str, ...]) -> pl.Series:
    """Lines that are JSON objects with a value at the format's key for each ``needed`` column."""
    keys = {f.column: f.group for f in fmt.fields}
    if not all(c in keys for c in needed):
        return pl.Series([False] * s.len())
    ok = s.str.starts_with("{")
    for c in needed:
        ok = ok & s.str.json_path_match(json_path(keys[c])).is_not_null()
    return ok.fill_null(False)


__all__ = ["SAMPLE_LINES", "Detection", "detect", "scores"]
