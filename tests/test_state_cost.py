"""What a run with a big state costs: the same results, by cheaper means.

A state's partial holds every key ever kept (a hundred error keys per minute,
sketches): a run after a few new lines reads it, merges into it and
finalizes it. These tests pin that the cheaper ways of doing so give the
results the plain ones gave: a partial file read table by table, a table's
order checked row against row, the top keys taken per scope without sorting
them all, routes made only for the errors of the spikes' kinds.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from httplog.aggregation import aggregate
from httplog.partial import TABLES, Partial, empty_partial, merge
from httplog.reduce import DIMENSIONS, by_window, top_n
from httplog.spikes import explain_spikes, find_spikes, with_routes

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rows(n: int, seed: int, *, distinct: bool = False) -> pl.DataFrame:
    """``n`` requests over a few hours: 4xx and 5xx among them, paths with ids."""
    rnd = random.Random(seed)
    statuses = [200] * 12 + [404, 404, 403, 500, 502, 503]
    return pl.DataFrame(
        {
            "time": [T0 + timedelta(seconds=7 * i + rnd.randrange(7)) for i in range(n)],
            "status": pl.Series([rnd.choice(statuses) for _ in range(n)], dtype=pl.UInt16),
            "path": [
                f"/item/{i}/x" if distinct else f"/u/{rnd.randrange(40)}/p{rnd.randrange(3)}"
                for i in range(n)
            ],
            "remote_addr": [f"10.0.{rnd.randrange(4)}.{rnd.randrange(60)}" for _ in range(n)],
            "user_agent": [f"agent-{rnd.randrange(9)}" for _ in range(n)],
        }
    )


def partial_of(n: int = 3000, seed: int = 1, *, distinct: bool = False) -> Partial:
    return merge(aggregate(rows(n, seed, distinct=distinct)), empty_partial())


def top_n_by_sorting(p: Partial, n: int) -> pl.DataFrame:
    """The top keys as a sort of every key ranks them (the reference)."""
    overall = (
        p.keys.filter(pl.col("dimension").is_in(DIMENSIONS))
        .group_by("dimension", "key")
        .agg(pl.col("requests").sum())
        .with_columns(scope=pl.lit("all"))
    )
    errors = (
        p.error_keys.group_by("dimension", "kind", "key")
        .agg(pl.col("requests").sum())
        .rename({"kind": "scope"})
    )
    both = pl.concat([overall, errors], how="diagonal_relaxed")
    return (
        both.sort(["requests", "key"], descending=[True, False])
        .group_by("dimension", "scope", maintain_order=True)
        .head(n)
        .with_columns(
            rank=pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).over("dimension", "scope")
        )
        .select("dimension", "scope", "rank", "key", pl.col("requests").cast(pl.UInt64))
        .sort("dimension", "scope", "rank")
    )


@pytest.mark.parametrize("distinct", [False, True])
@pytest.mark.parametrize("n", [1, 3, 10, 100])
def test_top_n_ranks_as_a_sort_of_every_key(n, distinct):
    # (ties on the count everywhere when every path is distinct: broken by key)
    p = partial_of(distinct=distinct)
    got = top_n(p, n=n).select("dimension", "scope", "rank", "key", "requests")
    assert_frame_equal(got, top_n_by_sorting(p, n))


def test_a_partial_file_reads_back_table_by_table(tmp_path):
    p = merge(partial_of(seed=2), partial_of(seed=3, distinct=True))
    path = tmp_path / "p.parquet"
    p.to_parquet(path)
    back = Partial.from_parquet(path)
    for name in TABLES:
        assert_frame_equal(back.table(name), p.table(name), check_row_order=True)


def test_a_file_written_unsorted_is_read_sorted_and_added_up(tmp_path):
    p = partial_of(seed=4)
    counts = p.counts
    # the rows reversed and one repeated: as a partial made elsewhere may be
    shuffled = pl.concat([counts.reverse(), counts[:1]])
    path = tmp_path / "p.parquet"
    p.with_tables(counts=shuffled).to_parquet(path)
    # (to_parquet sorts; write the rows as they are, as another tool might)
    df = pl.read_parquet(path)
    df = pl.concat(
        [df.filter(pl.col("table") != "counts"), df.filter(pl.col("table") == "counts").reverse()]
    )
    df.write_parquet(path)
    back = Partial.from_parquet(path)
    expected = counts.with_columns(
        requests=pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.col("requests") * 2)
        .otherwise(pl.col("requests")),
        bytes=pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.col("bytes") * 2)
        .otherwise(pl.col("bytes")),
    )
    assert_frame_equal(back.counts, expected)


def test_in_order_agrees_with_a_struct_check():
    p = partial_of(seed=5)
    for name, t in TABLES.items():
        df = p.table(name)
        if not t.keys or df.height < 2:
            continue
        keys = list(t.keys)
        for frame in (df, df.reverse(), pl.concat([df, df[-1:]]), df.sample(fraction=1.0, seed=1)):
            strictly = frame.select(
                pl.struct(keys).is_sorted() & ~pl.struct(keys).is_duplicated().any()
            ).item()
            assert t.in_order(frame) == strictly, name
            assert (
                t.in_order(frame, strict=False) == frame.select(pl.struct(keys).is_sorted()).item()
            )


def test_in_order_is_false_with_a_null_key():
    t = TABLES["rejected"]
    df = pl.DataFrame({"source": ["a", None], "reason": ["x", "x"], "count": [1, 1]})
    assert not t.in_order(df) and not t.in_order(df.reverse())


def test_routes_are_made_only_for_the_kinds_asked():
    p = partial_of(seed=6)
    ek = with_routes(p, kinds=["5xx"]).error_keys.filter(pl.col("dimension") == "route")
    assert ek.height and ek["kind"].unique().to_list() == ["5xx"]
    every = with_routes(p).error_keys.filter(pl.col("dimension") == "route")
    assert sorted(every["kind"].unique().to_list()) == ["4xx", "5xx"]
    assert_frame_equal(ek, every.filter(pl.col("kind") == "5xx"), check_row_order=False)


def test_spikes_are_explained_as_with_the_routes_of_every_kind():
    # a 5xx burst on one route, over 4xx noise on many paths
    base = rows(4000, 7)
    burst = pl.DataFrame(
        {
            "time": [T0 + timedelta(hours=3, seconds=i) for i in range(300)],
            "status": pl.Series([503] * 300, dtype=pl.UInt16),
            "path": [f"/pay/{i}" for i in range(300)],
            "remote_addr": ["10.9.9.9"] * 300,
            "user_agent": ["agent-x"] * 300,
        }
    )
    p = merge(aggregate(pl.concat([base, burst]).sort("time")), empty_partial())
    spikes = find_spikes(by_window(p, every="5m"))
    assert spikes.height and set(spikes["kind"]) == {"5xx"}
    got = explain_spikes(p, spikes)
    assert got.filter(pl.col("dimension") == "route")["key"].head(1).to_list() == ["/pay/{id}"]
    # the same as when every kind's paths were routed first
    assert_frame_equal(got, explain_spikes(with_routes(p), spikes))


def test_top_n_asked_again_takes_the_first_rows_of_the_last_ranking():
    from httplog import reduce

    p, q = partial_of(seed=8), partial_of(seed=9, distinct=True)
    fresh = {n: reduce._top_n(p, n) for n in (3, 10, reduce.TOP_ROWS, 250)}
    for n in (10, 3, reduce.TOP_ROWS, 250, 10):
        assert_frame_equal(top_n(p, n=n), fresh[n])
    # a view of the same partial (the same frames) is the same ranking
    assert_frame_equal(top_n(p.view(), n=3), fresh[3])
    # other tables are ranked anew, and so is a partial with one table replaced
    assert_frame_equal(top_n(q, n=10), reduce._top_n(q, 10))
    fewer = p.with_tables(error_keys=p.error_keys.filter(pl.col("kind") == "5xx"))
    assert_frame_equal(top_n(fewer, n=10), reduce._top_n(fewer, 10))
    assert_frame_equal(top_n(p, n=10), fresh[10])
