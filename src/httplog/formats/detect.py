"""Guess a log's format from a sample of its lines, and say how sure we are.

Examples
--------
>>> d = detect(['192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326'])
>>> d.format.name, d.matched, d.sampled
('common', 1, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from httplog.errors import FormatError
from httplog.formats import NAMES, LogFormat, resolve
from httplog.formats.jsonl import specialize

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
    ``common``). JSON is chosen when most lines are JSON objects.
    """
    sample = [ln for ln in lines if ln and ln.strip()][:SAMPLE_LINES]
    if not sample:
        return Detection(resolve("combined"), 0, 0)
    s = pl.Series("line", sample, dtype=pl.String)
    scores: list[tuple[int, int, str]] = []
    for rank, name in enumerate(NAMES):
        if name == "json":
            n = int(s.str.json_path_match("$.status").is_not_null().sum())
        else:
            n = int(s.str.contains(resolve(name).pattern).sum())
        scores.append((n, -rank, name))
    best, _, name = max(scores)
    if best == 0:
        msg = (
            f"could not detect the log format: none of {', '.join(NAMES)} matches any of "
            f"the first {len(sample)} lines; give one with --format or --log-format"
        )
        raise FormatError(msg)
    fmt = resolve(name)
    if fmt.syntax == "json":
        fmt = specialize(fmt, sample)
    return Detection(fmt, best, len(sample))
