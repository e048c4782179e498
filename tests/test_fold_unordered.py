"""fold's merges on the way (unordered, every few blocks) give the partial merge gives."""

from datetime import UTC, datetime, timedelta

import polars as pl

from httplog.aggregation import aggregate
from httplog.partial import TABLES, fold, merge


def _part(i: int) -> object:
    t = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    n = 30
    return aggregate(
        pl.DataFrame(
            {
                "time": [t + timedelta(seconds=s) for s in range(n)],
                "status": pl.Series([200, 404, 503] * (n // 3), dtype=pl.UInt16),
                "path": [f"/p{(i * 7 + s) % 11}" for s in range(n)],
                "remote_addr": [f"10.0.0.{(i + s) % 5}" for s in range(n)],
                "user_agent": ["Mozilla/5.0", "Googlebot/2.1"] * (n // 2),
                "referer": [f"http://r{s % 3}.example/" for s in range(n)],
            }
        )
    )


def test_fold_with_merges_on_the_way_equals_merge() -> None:
    parts = [_part(i) for i in range(7)]
    folded = fold(iter(parts), every=2)
    merged = merge(*parts)
    for name in TABLES:
        a, b = folded.table(name), merged.table(name)
        assert a.height == b.height, name
        assert a.equals(b), name
    assert folded.cross.height > 0 and folded.keys.height > 0
