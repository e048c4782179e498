"""Grouping keys by dictionary codes changes how a block is counted, never what."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import httplog
from httplog.aggregation import aggregate
from httplog.partial_tables import TABLES

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


@pytest.mark.parametrize(
    "name", ["nginx_access.log", "apache_vhost_combined.log", "nginx_timed.log", "nginx_json.log"]
)
def test_coded_aggregation_has_the_same_tables_as_the_texts(name):
    rows = httplog.read_logs(SAMPLES / name).frame
    plain, coded = aggregate(rows), aggregate(rows, coded=True)
    for table in TABLES:
        a, b = plain.table(table), coded.table(table)
        assert a.schema == b.schema, table
        assert a.sort(a.columns).equals(b.sort(b.columns)), table


def test_coded_aggregation_keeps_long_and_hostile_keys_as_text():
    paths = ["/" + "é" * 3000, "/<script>alert(1)</script>", None, "/a\x00b"]
    rows = pl.DataFrame(
        {
            "time": pl.Series([None] * 4, dtype=pl.Datetime("us", "UTC")),
            "status": pl.Series([200, 404, 500, 200], dtype=pl.UInt16),
            "path": paths,
            "remote_addr": ["192.0.2.1", None, "192.0.2.1", "2001:db8::1"],
            "user_agent": ["curl/8", "Googlebot/2.1", None, "curl/8"],
        }
    )
    plain, coded = aggregate(rows), aggregate(rows, coded=True)
    assert coded.keys.schema["key"] == pl.String
    assert plain.keys.sort(plain.keys.columns).equals(coded.keys.sort(coded.keys.columns))
    assert plain.cross.sort(plain.cross.columns).equals(coded.cross.sort(coded.cross.columns))
