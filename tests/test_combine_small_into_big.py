"""Merging small tables into a big one (a state and a run's delta) adds up only
the keys they share: the result is the same as adding everything up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from httplog.partial import TABLES

H = datetime(2026, 1, 1, tzinfo=UTC)


def registers(rows: list[tuple[int, bool, int, int]]) -> pl.DataFrame:
    t = TABLES["visitors_hll"]
    return pl.DataFrame(
        {
            "hour": [H + timedelta(hours=h) for h, _, _, _ in rows],
            "bot": [b for _, b, _, _ in rows],
            "reg": [r for _, _, r, _ in rows],
            "rank": [k for _, _, _, k in rows],
        },
        schema=dict(t.columns),
    )


def keys(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    t = TABLES["keys"]
    return pl.DataFrame(
        {
            "dimension": [d for d, _, _ in rows],
            "key": [k for _, k, _ in rows],
            "bot": [False] * len(rows),
            "requests": [n for _, _, n in rows],
            "bytes": [n * 10 for _, _, n in rows],
            "timed": [0] * len(rows),
            "time_us": [0] * len(rows),
            "time_max": [float(n) for _, _, n in rows],
            # every other column of the table (error counts, visitor words…):
            # a value of its own per row, merged by the table's rule
            **{
                c: [n + i for _, _, n in rows]
                for i, c in enumerate(t.columns)
                if c
                not in (
                    "dimension",
                    "key",
                    "bot",
                    "requests",
                    "bytes",
                    "timed",
                    "time_us",
                    "time_max",
                )
            },
        },
        schema=dict(t.columns),
    )


reg_rows = st.lists(
    st.tuples(st.integers(0, 3), st.booleans(), st.integers(0, 40), st.integers(1, 30)),
    max_size=300,
)
key_rows = st.lists(
    st.tuples(st.sampled_from(["path", "referer"]), st.text("ab/", max_size=4), st.integers(1, 9)),
    max_size=200,
)


def unique(t, df: pl.DataFrame) -> pl.DataFrame:
    return t.add_up(df) if df.height else t.empty()


@settings(max_examples=60, deadline=None)
@given(big=reg_rows, smalls=st.lists(reg_rows.map(lambda r: r[:12]), min_size=0, max_size=3))
def test_registers_merged_into_a_big_table_equal_adding_everything_up(big, smalls):
    t = TABLES["visitors_hll"]
    frames = [unique(t, registers(big)), *(unique(t, registers(s)) for s in smalls)]
    assert t.combine(frames).equals(unique(t, pl.concat(frames)))


@settings(max_examples=60, deadline=None)
@given(big=key_rows, small=key_rows.map(lambda r: r[:10]))
def test_keys_merged_into_a_big_table_equal_adding_everything_up(big, small):
    t = TABLES["keys"]
    frames = [unique(t, keys(big)), unique(t, keys(small))]
    assert t.combine(frames).equals(unique(t, pl.concat(frames)))


@given(rows=reg_rows)
def test_one_table_with_repeated_keys_is_added_up(rows):
    # registers made from hashes repeat keys: a table of them merged alone, or
    # with small ones, is still added up
    t = TABLES["visitors_hll"]
    df = registers(rows)
    assert t.combine([df]).equals(unique(t, df))
    assert t.combine([df, t.empty()]).equals(unique(t, df))
