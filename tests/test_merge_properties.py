"""Mergeability: partials of any split, merged in any order, equal the partial of the whole."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logfactory import request, text
from polars.testing import assert_frame_equal

import httplog.partial as partials
import httplog.partial_tables as partial_tables
from httplog import ViewOptions
from httplog.aggregation import Gathered, aggregate, aggregate_block, aggregate_gathered
from httplog.analysis import finalize
from httplog.engine import iter_parsed
from httplog.inputs import Chunk, resolve_inputs
from httplog.partial import SCHEMAS, Partial, empty_partial, merge

T0 = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # a DST day in Europe
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
    None,
]
STATUSES = [200, 200, 200, 204, 301, 304, 404, 404, 429, 499, 500, 502, 503, 101, 0, 999]

row = st.fixed_dictionaries(
    {
        "t": st.integers(0, 6 * 3600),
        "status": st.sampled_from(STATUSES),
        "path": st.sampled_from(["/", "/a", "/b", "/api/x", "/é", None]),
        "remote_addr": st.sampled_from(["192.0.2.1", "192.0.2.2", "2001:db8::1"]),
        "user_agent": st.sampled_from(AGENTS),
        "referer": st.sampled_from(["https://example.org/", None]),
        "upstream_addr": st.sampled_from(["10.0.0.1:80", "10.0.0.2:80", None]),
        "bytes": st.one_of(st.none(), st.integers(0, 10**6)),
        "request_time": st.one_of(st.none(), st.just(0.0), st.floats(1e-4, 100.0, allow_nan=False)),
        "upstream_response_time": st.one_of(st.none(), st.floats(0.0, 30.0, allow_nan=False)),
    }
)
REASONS = ["no_match", "empty", "binary"]


def to_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "time": pl.Series(
                [T0 + timedelta(seconds=r["t"]) for r in rows], dtype=pl.Datetime("us", "UTC")
            ),
            "status": pl.Series([r["status"] for r in rows], dtype=pl.UInt16),
            **{
                c: pl.Series([r[c] for r in rows], dtype=pl.String)
                for c in ("path", "remote_addr", "user_agent", "referer", "upstream_addr")
            },
            "bytes": pl.Series([r["bytes"] for r in rows], dtype=pl.UInt64),
            "request_time": pl.Series([r["request_time"] for r in rows], dtype=pl.Float64),
            "upstream_response_time": pl.Series(
                [r["upstream_response_time"] for r in rows], dtype=pl.Float64
            ),
        }
    )


def rejected_frame(lines: list[tuple[int, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": ["x.log"] * len(lines),
            "chunk_start": [0] * len(lines),
            "line": [n for n, _ in lines],
            "reason": [r for _, r in lines],
            "text": [f"bad line {n}" for n, _ in lines],
        },
        schema=SCHEMAS["samples"],
    )


def part(rows: list[dict], rejected: list[tuple[int, str]]) -> Partial:
    return aggregate(
        to_frame(rows),
        source="x.log",
        chunk_start=0,
        bytes_read=100 * (len(rows) + len(rejected)),
        format_label="combined",
        rejected=rejected_frame(rejected),
    )


def frames_equal(x: pl.DataFrame, y: pl.DataFrame, name: str) -> None:
    try:
        assert_frame_equal(x, y)
    except AssertionError as e:
        raise AssertionError(f"{name}: {e}") from None


def assert_partials_equal(a: Partial, b: Partial) -> None:
    for name, schema in SCHEMAS.items():
        x, y = getattr(a, name), getattr(b, name)
        assert x.schema == y.schema, name
        cols = list(schema)
        frames_equal(x.sort(cols, nulls_last=True), y.sort(cols, nulls_last=True), name)


@st.composite
def split_input(draw, max_rows=120):
    rows = draw(st.lists(row, min_size=0, max_size=max_rows))
    # Rejected lines sit between rows: line numbers over rows + rejected.
    n_rej = draw(st.integers(0, 12))
    total = len(rows) + n_rej
    rej_lines = sorted(draw(st.sets(st.integers(1, max(total, 1)), min_size=0, max_size=n_rej)))
    rejected = [(n, draw(st.sampled_from(REASONS))) for n in rej_lines]
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), max_size=5)))
    order = draw(st.permutations(range(len(cuts) + 1)))
    nested = draw(st.booleans())
    return rows, rejected, cuts, order, nested


def pieces(rows, rejected, cuts):
    bounds = [0, *cuts, len(rows)]
    out = []
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        # Each rejected line goes with exactly one piece.
        rej = [r for r in rejected if bisect.bisect_right(cuts, r[0] - 1) == i]
        out.append(part(rows[lo:hi], rej))
    return out


#: The views the analyses of a merged and a whole partial are compared through.
VIEWS = (
    ViewOptions(window="5m"),
    ViewOptions(window="1h", tz="Europe/Paris", bots="exclude", top=3),
)


# 20 examples of up to 240 rows (an example's cost is its polars calls, whatever its
# rows: fewer, larger examples): that merged partials equal the whole is also the fold
# test's property (30 more examples, merged in slices too); the analyses through a view
# are this test's.
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_input(max_rows=240), st.sampled_from(VIEWS))
def test_merge_of_any_split_equals_the_whole(assert_same_analysis, data, opts):
    """Any split, merged in any order (nested or not), is the whole partial, and
    their analyses through a view (one of :data:`VIEWS` an example: each costs
    two finalizes, the most of an example) are equal."""
    rows, rejected, cuts, order, nested = data
    whole = part(rows, rejected)
    parts = pieces(rows, rejected, cuts)
    shuffled = [parts[i] for i in order]
    if nested and len(shuffled) > 2:
        merged = merge(merge(*shuffled[:2]), empty_partial(), merge(*shuffled[2:]))
    else:
        merged = merge(*shuffled)
    assert_partials_equal(merged, whole)
    # (every dimension's keys have visitor bitmaps: the rows have clients)
    assert whole.keys.filter(pl.col("v0").is_null()).is_empty()
    got, expected = finalize(merged, opts), finalize(whole, opts)
    assert_same_analysis(got, expected)
    assert got.panels == expected.panels  # (each panel's visitors too)


@settings(max_examples=20, deadline=None)
@given(st.lists(row, max_size=90), st.lists(row, max_size=90), st.lists(row, max_size=90))
def test_merge_is_associative_and_commutative(a, b, c):
    pa, pb, pc = (part(r, []) for r in (a, b, c))
    left = merge(merge(pa, pb), pc)
    right = merge(pa, merge(pc, pb))
    assert_partials_equal(left, right)
    assert_partials_equal(merge(pa, empty_partial()), merge(pa))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_input(), st.integers(1, 4), st.integers(0, 2**16))
def test_fold_equals_merge_exactly_and_sorted_even_from_unsorted_partials(data, every, seed):
    """fold() (blocks arriving one by one) gives merge()'s result row for row,
    sorted by the keys, also from partials whose tables are not sorted; and merge()
    adding long minute tables up a slice of minutes at a time (forced: three rows a
    slice) gives the whole, sorted."""
    rows, rejected, cuts, order, _ = data
    made = pieces(rows, rejected, cuts)
    parts = [made[i] for i in order]
    unsorted = [
        replace(
            p,
            **{
                name: getattr(p, name).sample(fraction=1.0, shuffle=True, seed=seed)
                for name in partials.KEYS
            },
        )
        for p in parts
    ]
    expected = merge(*parts)
    folded = partials.fold(iter(unsorted), every=every)
    for name in SCHEMAS:
        assert_frame_equal(getattr(folded, name), getattr(expected, name))
    for name, keys in partials.KEYS.items():
        table = getattr(folded, name)
        assert table.equals(table.sort(list(keys))), name
    whole = part(rows, rejected)
    assert_partials_equal(folded, whole)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(partial_tables, "SLICE_ROWS", 3)
        sliced = merge(*parts)
    assert_partials_equal(sliced, whole)
    for name in ("counts", "error_keys"):
        table = getattr(sliced, name)
        assert table.equals(table.sort(list(partials.KEYS[name]))), name


def test_hand_made_partials_merge_like_any_other():
    """Rows with a null time (so a null minute) are kept, and tables whose
    counts are not of the schema's types are cast, not refused."""
    t = T0
    a = aggregate(
        pl.DataFrame({"time": [t, None], "status": pl.Series([200, 200], dtype=pl.UInt16)})
    )
    b = aggregate(pl.DataFrame({"time": [t], "status": pl.Series([200], dtype=pl.UInt16)}))
    assert merge(a, b).counts["requests"].sum() == 3
    assert merge(a, a).counts["requests"].sum() == 4
    signed = replace(b, counts=b.counts.with_columns(pl.col("requests", "bytes").cast(pl.Int64)))
    merged = merge(signed, signed, a)
    assert merged.counts.schema == pl.Schema(SCHEMAS["counts"])
    assert merged.counts["requests"].sum() == 4


def test_a_partial_file_with_repeated_or_unsorted_keys_is_made_canonical_on_load(tmp_path):
    base = {
        "status": 200,
        "path": "/",
        "remote_addr": "192.0.2.1",
        "user_agent": AGENTS[0],
        "referer": None,
        "upstream_addr": None,
        "bytes": 10,
        "request_time": 0.1,
        "upstream_response_time": None,
    }
    p = part([{**base, "t": 60 * m} for m in (3, 1, 2)], [])
    doubled = replace(
        p,
        **{name: pl.concat([getattr(p, name)] * 2).reverse() for name in partials.KEYS},
    )
    path = tmp_path / "foreign.parquet"
    doubled.to_parquet(str(path))
    back, twice = Partial.from_parquet(str(path)), merge(p, p)
    for name in partials.KEYS:  # (every table with keys)
        assert_frame_equal(getattr(back, name), getattr(twice, name))
    assert back.counts.equals(back.counts.sort(list(partials.KEYS["counts"])))


def test_partial_survives_parquet_between_merges(tmp_path):
    rows = [
        {
            "t": 60 * i,
            "status": [200, 503, 404][i % 3],
            "path": f"/p{i % 4}",
            "remote_addr": "192.0.2.1",
            "user_agent": AGENTS[i % 4],
            "referer": None,
            "upstream_addr": None,
            "bytes": i,
            "request_time": 0.01 * i,
            "upstream_response_time": None,
        }
        for i in range(50)
    ]
    a, b = part(rows[:20], [(3, "empty")]), part(rows[20:], [])
    a.to_parquet(str(tmp_path / "a.parquet"))
    again = merge(Partial.from_parquet(str(tmp_path / "a.parquet")), b)
    assert_partials_equal(again, part(rows, [(3, "empty")]))


@pytest.mark.parametrize("per", [2, 3])
def test_blocks_aggregated_together_equal_their_merge(per: int) -> None:
    """Blocks aggregated together (as aggregate_chunks gathers them) give the
    partial that merging each block's own partial gives, ``chunks`` included."""
    path = Path(__file__).parent.parent / "sample_logs" / "nginx_timed.log"
    chunks = [Chunk(i) for i in resolve_inputs(str(path))]
    blocks = list(iter_parsed(chunks, block_size=64 * 1024))
    assert len(blocks) >= 2 * per
    keep = pl.col("status") != 304
    one_by_one = merge(*(aggregate_block(pb, keep=keep) for pb in blocks))
    gathered = [Gathered.of(pb, keep=keep) for pb in blocks]
    groups = [gathered[i : i + per] for i in range(0, len(gathered), per)]
    together = merge(*(aggregate_gathered(g) for g in reversed(groups)))
    assert_partials_equal(together, one_by_one)


def test_blocks_are_paired_by_reading_order_whatever_order_they_are_parsed_in() -> None:
    """Which blocks are aggregated together never depends on which thread
    finishes first: block 0 goes with 1, 2 with 3, and a last block alone."""
    from httplog.aggregation import _Gatherer

    path = Path(__file__).parent.parent / "sample_logs" / "nginx_timed.log"
    chunks = [Chunk(i) for i in resolve_inputs(str(path))]
    g = [Gathered.of(pb) for pb in list(iter_parsed(chunks, block_size=64 * 1024))[:5]]
    pairs = _Gatherer(2)
    assert pairs.add(1, g[1]) == []
    assert pairs.add(2, g[2]) == []
    assert pairs.add(4, g[4]) == []
    assert pairs.add(0, g[0]) == [[g[0], g[1]]]
    assert pairs.add(3, g[3]) == [[g[2], g[3]]]
    assert pairs.rest() == [[g[4]]]
    assert pairs.rest() == []
    # a block whose keys don't repeat goes alone at once, and so does its partner
    assert pairs.add(7, g[1], repeats=True) == []
    assert pairs.add(6, g[0], repeats=False) == [[g[0]], [g[1]]]
    assert pairs.add(8, g[2], repeats=False) == [[g[2]]]
    assert pairs.add(9, g[3], repeats=True) == [[g[3]]]
    assert pairs.rest() == []
    # groups of one: every block at once
    ones = _Gatherer(1)
    assert ones.add(1, g[1]) == [[g[1]]]
    assert ones.add(0, g[0], repeats=False) == [[g[0]]]
    assert ones.rest() == []


def _lines(tmp_path: Path, name: str, distinct: bool) -> Path:
    """6,000 lines whose clients, paths, referers and agents are all new, or 50 repeated."""
    keys = [i if distinct else i % 50 for i in range(6000)]
    records = (
        request(
            T0 + timedelta(seconds=i),
            client=f"10.{n // 65536}.{n // 256 % 256}.{n % 256}",
            target=f"/p/{n}x",
            referer=f"http://r/{n}",
            agent=f"agent {n}",
        )
        for i, n in enumerate(keys)
    )
    p = tmp_path / name
    p.write_text(text(records))
    return p


def test_blocks_whose_keys_are_all_new_are_aggregated_one_at_a_time(tmp_path: Path) -> None:
    """Two blocks are aggregated as one only while their keys repeat, so that
    the unpruned tables of two blocks of all-new keys never exist at once."""
    from httplog.aggregation import _Gatherer, keys_repeat

    for distinct, expected in ((False, 1), (True, 2)):
        path = _lines(tmp_path, f"{distinct}.log", distinct)
        chunks = [Chunk(i) for i in resolve_inputs(str(path))]
        blocks = list(iter_parsed(chunks, block_size=256 * 1024))[:2]
        assert len(blocks) == 2
        assert keys_repeat(blocks[0].parsed) is not distinct
        pairs = _Gatherer(2)
        groups = [
            grp
            for i, pb in enumerate(blocks)
            for grp in pairs.add(i, Gathered.of(pb), keys_repeat(pb.parsed))
        ]
        assert len(groups) == expected
        parts = [aggregate_gathered(grp) for grp in groups]
        assert_partials_equal(merge(*parts), merge(*(aggregate_block(pb) for pb in blocks)))


def test_blocks_of_all_new_keys_are_aggregated_in_pieces_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block whose keys don't repeat is aggregated in pieces of at most
    ALONE_ROWS rows, never two such aggregations at once whatever the parse
    threads (peak memory), and the run equals the merge of its blocks."""
    import functools
    import threading
    import time

    import httplog.aggregation as aggregation
    import httplog.engine as engine
    from httplog import ReadOptions

    path = _lines(tmp_path, "distinct.log", distinct=True)
    chunks = [Chunk(i) for i in resolve_inputs(str(path))]
    small = functools.partial(engine.map_parsed, block_size=128 * 1024)
    monkeypatch.setattr(aggregation, "map_parsed", small)
    monkeypatch.setattr(aggregation, "ALONE_ROWS", 400)
    real = aggregation.aggregate_gathered
    lock = threading.Lock()
    seen = {"now": 0, "most": 0, "rows": []}

    def watched(group: list[Gathered]) -> Partial:
        with lock:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
            seen["rows"].append(sum(g.rows.height for g in group))
        time.sleep(0.02)  # (long enough for the other thread's block to come)
        try:
            return real(group)
        finally:
            with lock:
                seen["now"] -= 1

    monkeypatch.setattr(aggregation, "aggregate_gathered", watched)
    run = aggregation.aggregate_chunks(chunks, ReadOptions(threads=2))
    blocks = list(iter_parsed(chunks, block_size=128 * 1024, columns=aggregation.AGGREGATED))
    assert len(blocks) >= 4 and all(pb.parsed.height > 800 for pb in blocks)
    assert max(seen["rows"]) <= 400 and sum(seen["rows"]) == 6000
    assert len(seen["rows"]) >= 3 * len(blocks)
    assert seen["most"] == 1
    found = run.chunks["detection"][0]
    assert_partials_equal(run, merge(*(aggregate_block(pb, detection=found) for pb in blocks)))


@pytest.mark.parametrize("threads", [1, 2])
def test_a_run_of_many_blocks_equals_the_merge_of_its_blocks(
    monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    """aggregate_chunks, grouping blocks on its threads, gives the merge of
    every block's own partial (the sample's keys fit the bounds)."""
    import functools

    import httplog.aggregation as aggregation
    import httplog.engine as engine
    from httplog import ReadOptions

    path = Path(__file__).parent.parent / "sample_logs" / "nginx_timed.log"
    chunks = [Chunk(i) for i in resolve_inputs(str(path))]
    small = functools.partial(engine.map_parsed, block_size=64 * 1024)
    monkeypatch.setattr(aggregation, "map_parsed", small)
    run = aggregation.aggregate_chunks(chunks, ReadOptions(threads=threads))
    blocks = list(iter_parsed(chunks, block_size=64 * 1024, columns=aggregation.AGGREGATED))
    per = aggregation.BLOCKS_PER_AGGREGATE
    assert len(blocks) > per and len(blocks) % per  # (a whole group and a short one)
    found = run.chunks["detection"][0]
    assert_partials_equal(run, merge(*(aggregate_block(pb, detection=found) for pb in blocks)))
