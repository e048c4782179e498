"""What the enrichments share: the longest text they add, and the rollup of an
enriched table into a panel (counts summed by keys)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from httplog.errors import UsageError
from httplog.sketches import VISITOR_WORDS

#: The longest text an enrichment adds (a family, a version, a city, an organisation).
MAX_TEXT = 64


def _cut(text: str | None) -> str | None:
    return None if text is None else text[:MAX_TEXT]


def _check_column(frame: pl.DataFrame, column: str) -> None:
    if column not in frame.columns:
        raise UsageError(f"no column {column!r} in the frame ({', '.join(frame.columns)})")


def _choose(by: str, keys: dict[str, list[str]]) -> list[str]:
    if by not in keys:
        raise UsageError(f"bad by {by!r}: use family or version", option="by", value=by)
    return keys[by]


def _rollup(
    frame: pl.DataFrame, keys: list[str], counts: Sequence[str] | None, added: Sequence[str]
) -> pl.DataFrame:
    """Sum ``counts`` by ``keys`` (and or the visitor words ``v0`` … ``v4``
    when the frame has them); largest first count first, then by key (nulls last)."""
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise UsageError(f"no column {', '.join(map(repr, missing))}: enrich the frame first")
    # (visitor bitmaps, when the frame has them, are or-ed: a visitor of two
    # keys of one family counts once, exactly as in the bitmap of the whole)
    words = [w for w in VISITOR_WORDS if w in frame.columns]
    if counts is None:
        counts = [
            name
            for name, dtype in frame.schema.items()
            if dtype.is_integer() and name not in added and name not in keys and name not in words
        ]
    else:
        counts = [c for c in counts if c not in words]
        for c in counts:
            _check_column(frame, c)
    sums = [pl.col(c).sum() for c in counts]
    out = frame.group_by(keys).agg(*sums, *(pl.col(w).bitwise_or() for w in words))
    order = [*counts[:1], *keys]
    return out.sort(
        order, descending=[True] * len(counts[:1]) + [False] * len(keys), nulls_last=True
    )
