"""Bounded key tables: Misra–Gries summaries that merge exactly below their
bound and within their stated error above it, whatever the split and order."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import httplog.partial as partials
from httplog.aggregation import KEY_MAX_BYTES, aggregate
from httplog.dashboard import routes
from httplog.partial import TABLES, empty_partial, fold, merge
from httplog.reduce import top_n

T0 = datetime(2026, 3, 1, tzinfo=UTC)
K = 3


@pytest.fixture
def small_k(monkeypatch):
    """Summaries of K keys (the real bound is far above what a test makes)."""
    for name in ("keys", "error_keys"):
        t = TABLES[name]
        assert t.summary is not None
        monkeypatch.setitem(TABLES, name, replace(t, summary=replace(t.summary, k=K)))


def frame(rows: list[tuple[int, int, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "time": pl.Series(
                [T0 + timedelta(seconds=s) for s, *_ in rows], dtype=pl.Datetime("us", "UTC")
            ),
            "status": pl.Series([st for _, st, _, _ in rows], dtype=pl.UInt16),
            "path": pl.Series([p for *_, p, _ in rows], dtype=pl.String),
            "remote_addr": pl.Series([a for *_, a in rows], dtype=pl.String),
            "bytes": pl.Series([10] * len(rows), dtype=pl.UInt64),
        }
    )


# Zipf-ish keys: a few heavy, many light, so that pruning has something to keep.
zipf_path = st.integers(0, 40).map(lambda i: f"/p{int(i**2 / 40)}")
line = st.tuples(
    st.integers(0, 179),
    st.sampled_from([200, 200, 404, 503]),
    zipf_path,
    st.sampled_from("abcdefg"),
)


@st.composite
def split(draw, max_rows=150):
    rows = draw(st.lists(line, min_size=0, max_size=max_rows))
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), max_size=6)))
    order = draw(st.permutations(range(len(cuts) + 1)))
    bounds = [0, *cuts, len(rows)]
    parts = [rows[lo:hi] for lo, hi in itertools.pairwise(bounds)]
    return rows, [parts[i] for i in order], draw(st.sampled_from(["merge", "nested", "fold"]))


def combine(pieces, how):
    ps = [aggregate(frame(p)) for p in pieces]
    if how == "fold":
        return fold(iter(ps), every=2)
    if how == "nested" and len(ps) > 2:
        return merge(merge(*ps[:2]), empty_partial(), merge(*ps[2:]))
    return merge(*ps)


def check_bounds(table, deltas, truth, groups, k):
    """Each kept counter ≤ true ≤ counter + delta; a dropped key ≤ delta; ≤ k per group."""
    delta = {tuple(r[:-1]): r[-1] for r in deltas.select(*groups, "delta").iter_rows()}
    kept = {tuple(r[:-1]): r[-1] for r in table.select(*groups, "key", "requests").iter_rows()}
    per_group = Counter(key[:-1] for key in kept)
    assert max(per_group.values(), default=0) <= k
    for key, true in truth.items():
        d = delta.get(key[:-1], 0)
        got = kept.get(key, 0)
        assert got <= true <= got + d, (key, got, true, d)
    for key in kept:
        assert key in truth


# Fewer, larger examples (an example's cost is a polars aggregation per piece, whatever
# its rows): 40 of up to 300 rows, so that K = 3 keys prune more.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(split(max_rows=300))
def test_key_summaries_of_any_split_stay_within_their_error(small_k, data):
    rows, pieces, how = data
    got = combine(pieces, how)
    truth = Counter()
    for _, _status, path, addr in rows:
        truth[("path", False, path)] += 1
        truth[("remote_addr", False, addr)] += 1
    counted = pl.col("dimension").is_in(["path", "remote_addr"])
    keys = got.keys.filter(counted).select("dimension", "bot", "key", "requests")
    check_bounds(keys, got.keys_delta.filter(counted), truth, ["dimension", "bot"], K)
    # The error bound of the literature: delta ≤ (n − Σ counters) / (k + 1).
    for (dim, _bot), d in ((r[:2], r[2]) for r in got.keys_delta.filter(counted).iter_rows()):
        n = sum(v for key, v in truth.items() if key[0] == dim)
        kept = keys.filter(pl.col("dimension") == dim)["requests"].sum()
        assert d <= (n - kept) / (K + 1)
    errs = Counter()
    for s, status, path, addr in rows:
        if status >= 400:
            minute = T0 + timedelta(minutes=s // 60)
            kind = f"{status // 100}xx"
            errs[(minute, kind, "path", False, path)] += 1
            errs[(minute, kind, "remote_addr", False, addr)] += 1
    ek = got.error_keys.select("minute", "kind", "dimension", "bot", "key", "requests")
    check_bounds(ek, got.error_keys_delta, errs, ["minute", "kind", "dimension", "bot"], K)
    # Totals never depend on the bound.
    assert got.requests == len(rows)


@settings(max_examples=25, deadline=None)  # 25 of up to 300 rows
@given(split(max_rows=300))
def test_below_the_bound_any_split_is_exact_with_no_error(data):
    rows, pieces, how = data
    got, whole = combine(pieces, how), aggregate(frame(rows))
    assert got.keys_delta.is_empty() and got.error_keys_delta.is_empty()
    cols = ["dimension", "key", "bot"]
    assert got.keys.sort(cols).equals(whole.keys.sort(cols))


def test_above_the_bound_top_keys_say_their_maximum_error(small_k):
    rng = random.Random(5)
    rows = [(i % 60, 200, f"/p{min(rng.paretovariate(1.2), 30):.0f}", "a") for i in range(400)]
    got = combine([rows[:100], rows[100:250], rows[250:]], "merge")
    top = top_n(got, n=3).filter(pl.col("dimension") == "path", pl.col("scope") == "all")
    exact = Counter(p for *_, p, _ in rows)
    delta = top["delta"][0]
    assert delta > 0
    assert top["key"].to_list() == [k for k, _ in exact.most_common(3)]
    for key, requests in top.select("key", "requests").iter_rows():
        assert requests <= exact[key] <= requests + delta
    whole = top_n(aggregate(frame(rows)), n=3)
    assert whole["delta"].max() == 0


def test_long_keys_are_cut_with_an_ellipsis_and_stay_apart_from_short_ones():
    long = "/" + "x" * 10_000
    p = aggregate(frame([(0, 404, long, "a"), (1, 404, long + "y", "a"), (2, 200, "/", "a")]))
    keys = p.keys.filter(pl.col("dimension") == "path").sort("requests")
    assert keys.rows()[0][1] == "/"
    cut = keys["key"][1]
    assert len(cut) == KEY_MAX_BYTES and cut.endswith("…") and keys["requests"][1] == 2
    assert p.error_keys.filter(pl.col("dimension") == "path")["key"].to_list() == [cut]


def test_only_a_column_holding_a_long_key_is_cut():
    # (a key of exactly KEY_MAX_BYTES bytes stays whole, as does every other column)
    edge = "/" + "e" * (KEY_MAX_BYTES - 1)
    long = "Mozilla/" + "z" * 5000
    rows = pl.DataFrame(
        {
            "time": [datetime(2026, 1, 1, tzinfo=UTC)] * 3,
            "status": pl.Series([200, 404, 500], dtype=pl.UInt16),
            "path": [edge, "/a", None],
            "user_agent": [long, "curl/8", "curl/8"],
        }
    )
    keys = aggregate(rows).keys
    paths = keys.filter(pl.col("dimension") == "path")["key"].sort().to_list()
    agents = keys.filter(pl.col("dimension") == "user_agent")["key"].to_list()
    assert paths == sorted([edge, "/a"])
    assert sorted(len(a) for a in agents) == [6, KEY_MAX_BYTES]
    assert all(a == "curl/8" or a.endswith("…") for a in agents)


def test_a_block_of_all_distinct_keys_is_kept_to_the_bound(monkeypatch):
    t = TABLES["keys"]
    monkeypatch.setitem(TABLES, "keys", replace(t, summary=replace(t.summary, k=100)))
    rows = [(i % 60, 200, f"/item/{i}", f"10.0.{i // 256}.{i % 256}") for i in range(5_000)]
    blocks = [aggregate(frame(rows[i : i + 700])) for i in range(0, 5_000, 700)]
    got = partials.fold(iter(blocks), every=3)
    distinct = pl.col("dimension").is_in(["path", "remote_addr", "file"])
    keys, deltas = got.keys.filter(distinct), got.keys_delta.filter(distinct)
    assert keys.height <= 3 * 100
    # every key was seen once: nothing is heavier than the error, so nothing is kept
    assert deltas.height == 3 and deltas["delta"].min() >= 1
    assert keys["requests"].sum() == 0
    # routes are folded from the kept paths: none here, and the panel says so
    assert routes(got).is_empty()
    assert top_n(got).filter(pl.col("scope") == "all").is_empty()


def _text_buffer_bytes(df: pl.DataFrame) -> int:
    """Bytes of the data buffers behind the table's text columns (what it keeps
    alive beyond its own views: an Arrow string view's buffers after the
    validity and the views)."""
    total = 0
    for c, dtype in df.schema.items():
        if dtype == pl.String:
            arr = df[c].to_arrow(compat_level=pl.CompatLevel.newest())
            chunks = arr.chunks if hasattr(arr, "chunks") else [arr]
            total += sum(b.size for ch in chunks for b in ch.buffers()[2:] if b is not None)
    return total


def test_a_pruned_block_keeps_only_its_own_texts_alive(tmp_path):
    # A block of 20,000 lines of distinct long paths, agents and clients (each
    # above the bound of keys and cross), parsed as a run parses it (the texts
    # are views of the block's lines): its partial keeps few of them and must
    # not hold the buffers of all the texts its tables were filtered from.
    from httplog.aggregation import AGGREGATED, Gathered, aggregate_gathered
    from httplog.engine import iter_parsed
    from httplog.inputs import Chunk, resolve_inputs

    log = tmp_path / "distinct.log"
    log.write_text(
        "".join(
            f"10.{i // 65536}.{i // 256 % 256}.{i % 256} - - [01/Mar/2026:00:{i // 60 % 60:02d}:"
            f'{i % 60:02d} +0000] "GET /a/long/path/{i:08d} HTTP/1.1" {200 + 300 * (i % 5 == 0)} 5'
            f' "https://example.org/from/{i}" "Mozilla/5.0 (a long agent text {i})"\n'
            for i in range(20_000)
        )
    )
    (pb,) = iter_parsed([Chunk(x) for x in resolve_inputs(str(log))], columns=AGGREGATED)
    part = aggregate_gathered([Gathered.of(pb)])
    assert part.keys_delta.height > 0 and part.cross_delta.height > 0  # (pruned)
    for name in TABLES:
        table = part.table(name)
        texts = [c for c, t in table.schema.items() if t == pl.String]
        shown = sum(table[c].str.len_bytes().sum() or 0 for c in texts)
        assert _text_buffer_bytes(table) <= 2 * shown + 64 * 1024, name
