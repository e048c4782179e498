"""A partial's tables are declarations: merge, fold, views and files follow them."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from httplog.aggregation import BUILDERS
from httplog.errors import StateError
from httplog.partial import (
    MINUTE_TABLES,
    PARTIAL_VERSION,
    TABLES,
    Partial,
    Table,
    empty_partial,
    merge,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
M = pl.Datetime("us", "UTC")

#: A table as the dashboard's would be: distinct-count registers (max), slowest
#: request (max), first seen (min), a label (first), hits (sum).
PANEL = Table(
    {
        "minute": M,
        "key": pl.String(),
        "hits": pl.UInt64(),
        "slowest": pl.Float64(),
        "first_seen": M,
        "label": pl.String(),
    },
    keys=("minute", "key"),
    merge={"hits": "sum", "slowest": "max", "first_seen": "min", "label": "first"},
)


def panel(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=dict(PANEL.columns), orient="row")


def test_every_declared_table_is_a_field_of_partial_and_every_request_table_has_a_builder():
    assert [f.name for f in fields(Partial)] == list(TABLES)
    errors = {t.summary.errors for t in TABLES.values() if t.summary is not None}
    lines = {"rejected", "samples", "chunks"}
    # (registers: made from the block's keys, and from visitors where partials merge)
    sketches = {"key_hll", "visitors_hll"}
    assert set(BUILDERS) == {n for n in TABLES if n not in lines | errors | sketches}
    assert set(MINUTE_TABLES) == {
        "counts",
        "latency",
        "error_keys",
        "error_keys_delta",
        "host_counts",
    }


def test_a_declared_table_merges_each_value_column_as_declared():
    a = panel([(T0, "/x", 2, 0.5, datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC), None)])
    b = panel([(T0, "/x", 3, 1.5, datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC), "checkout")])
    c = panel([(T0, "/y", 1, 0.1, T0, "home")])
    for order in ([a, b, c], [c, b, a]):
        got = PANEL.combine(order)
        assert got.rows() == [
            (T0, "/x", 5, 1.5, datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC), "checkout"),
            (T0, "/y", 1, 0.1, T0, "home"),
        ]
    assert PANEL.by_minute and not PANEL.by_bot


def test_a_table_without_keys_keeps_rows_and_its_bound_keeps_it_small():
    firsts = Table({"n": pl.Int64()}, bound=lambda df: df.sort("n").head(2))
    got = firsts.combine([pl.DataFrame({"n": [5, 3]}), pl.DataFrame({"n": [4, 1]})])
    assert got["n"].to_list() == [1, 3]


def test_a_keyed_table_must_say_how_every_value_column_merges():
    with pytest.raises(ValueError, match="how each value column merges"):
        Table({"k": pl.String(), "v": pl.UInt64()}, keys=("k",))


def test_repeated_keys_in_a_file_are_merged_by_the_declaration_when_read(tmp_path):
    counts = pl.DataFrame(
        {
            "minute": [T0, T0],
            "status": [200, 200],
            "bot": [False, False],
            "requests": [1, 2],
            "bytes": [5, 5],
        }
    )
    p = empty_partial().with_tables(counts=counts)
    p.to_parquet(tmp_path / "p.parquet")
    back = Partial.from_parquet(tmp_path / "p.parquet")
    assert back.counts.select("requests", "bytes").rows() == [(3, 10)]
    assert_frame_equal(
        back.counts,
        merge(
            empty_partial().with_tables(counts=counts[:1]),
            empty_partial().with_tables(counts=counts[1:]),
        ).counts,
    )


@pytest.mark.parametrize(
    ("version", "says"),
    [
        (1, "written by an older httplog"),
        (2, "written by an older httplog"),
        (PARTIAL_VERSION + 1, "written by a newer httplog"),
    ],
)
def test_a_partial_file_of_another_version_is_refused_saying_why(
    tmp_path, version: int, says: str
) -> None:
    # (version 1 wrote the folded hosts as host "(other)", which a real host may be)
    path = tmp_path / "p.parquet"
    empty_partial().to_parquet(path)
    rows = pl.read_parquet(path)
    meta = pl.col("table") == "meta"
    rows = rows.with_columns(
        version=pl.when(meta).then(pl.lit(version, rows.schema["version"])).otherwise("version")
    )
    rows.write_parquet(path)
    with pytest.raises(StateError, match=f"partial version {version}, this httplog reads 3") as e:
        Partial.from_parquet(path)
    assert says in str(e.value)
    if version == 1:
        assert "--state-reset" in str(e.value)
