"""Guess a log's format from a sample of its lines, and say how sure we are.

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

from httplog.errors import FormatError
from httplog.formats import NAMES, LogFormat, resolve
from httplog.formats.jsonl import compile_json, json_path, specialize

#: How many non-empty lines from the start of the first input are looked at.
SAMPLE_LINES = 200


@dataclass(frozen=True)
class Detection:
    """The chosen format and the evidence: ``matched`` of ``sampled`` lines fit it."""

    format: LogFormat
    matched: int
    sampled: int

    def __str__(self) -> str:
        return f"{self.format.label} ({self.matched}/{self.sampled} sample lines)"


def detect(lines: list[str]) -> Detection:
    """Pick the named format that matches most sample lines.

    Ties go to the richer format (``main`` before ``combined`` before
    ``common``). JSON lines count when they are objects with a time and a
    status under one of the usual keys. An empty sample gives ``combined``
    with 0/0 lines; a sample no named format fits is a
    :class:`~httplog.errors.FormatError` that says what the lines look like.
    """
    sample = [ln for ln in lines if ln and ln.strip()][:SAMPLE_LINES]
    if not sample:
        return Detection(resolve("combined"), 0, 0)
    s = pl.Series("line", sample, dtype=pl.String)
    scores: list[tuple[int, int, str]] = []
    json_fmt = specialize(compile_json(), sample)
    for rank, name in enumerate(NAMES):
        if name == "json":
            n = _json_matches(s, json_fmt)
        else:
            n = int(s.str.contains(resolve(name).pattern).sum())
        scores.append((n, -rank, name))
    best, _, name = max(scores)
    if best == 0:
        raise FormatError(_no_match_message(s, len(sample)))
    fmt = json_fmt if name == "json" else resolve(name)
    return Detection(fmt, best, len(sample))


def _json_matches(s: pl.Series, fmt: LogFormat) -> int:
    keys = {f.column: f.group for f in fmt.fields}
    if "time" not in keys or "status" not in keys:
        return 0
    ok = (
        s.str.starts_with("{")
        & s.str.json_path_match(json_path(keys["time"])).is_not_null()
        & s.str.json_path_match(json_path(keys["status"])).is_not_null()
    )
    return int(ok.sum())


def _no_match_message(s: pl.Series, n: int) -> str:
    """Why nothing matched: say so, and whether lines start like a named format."""
    hint = ""
    for name in NAMES:
        if name == "json":
            continue
        prefix = resolve(name).pattern.removesuffix(r"[ \t\r]*$")
        k = int(s.str.contains(prefix).sum())
        if k:
            hint = (
                f"; {k} of them look like {name} followed by more fields: give the whole "
                "format with --log-format"
            )
            break
    return (
        f"could not detect the log format: none of {', '.join(NAMES)} matches any of "
        f"the first {n} lines{hint or '; give one with --format or --log-format'}"
    )
