"""Counts by class and code, annotated with the registry's texts (en and zh)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from httplog.aggregation import aggregate
from httplog.annotate import annotate_classes, annotate_status
from httplog.reduce import by_class, by_status
from httplog.statuscodes import describe

T0 = datetime(2026, 11, 20, tzinfo=UTC)
CODES = [200, 200, 200, 404, 404, 503, 499, 432, 0, 101]


@pytest.fixture(scope="module")
def partial():
    rows = pl.DataFrame(
        {
            "time": pl.Series(
                [T0 + timedelta(seconds=i) for i in range(len(CODES))],
                dtype=pl.Datetime("us", "UTC"),
            ),
            "status": pl.Series(CODES, dtype=pl.UInt16),
        }
    )
    return aggregate(rows)


#: A few texts as they must read (the registry's own tests check them all).
TEXTS = {
    "en": {503: ("reason", "Service Unavailable"), 499: ("reason", "Client Closed Request")},
    "zh": {404: ("description", "请求失败，请求所希望得到的资源未被在服务器上发现")},
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_status_counts_with_share_and_description(partial, lang):
    s = annotate_status(by_status(partial), lang)
    assert s.columns[:4] == ["status", "class", "reason", "description"]
    assert s.columns[4:] == ["requests", "share"]
    got = {r["status"]: r for r in s.iter_rows(named=True)}
    assert [r["requests"] for r in got.values()] == [1, 1, 3, 2, 1, 1, 1]
    assert got[200]["share"] == pytest.approx(0.3)
    assert got[404]["share"] == pytest.approx(0.2)
    for code in (101, 200, 404, 499, 503):
        info = describe(code, lang)
        assert (got[code]["class"], got[code]["reason"], got[code]["description"]) == (
            info.status_class,
            info.reason,
            info.description,
        )
    for code, (column, text) in TEXTS[lang].items():
        assert got[code][column] == text
    # Unknown and invalid codes are kept, with their class as description.
    assert got[432]["class"] == "4xx" and got[432]["reason"] == ""
    assert got[0]["class"] == "invalid"
    assert s["requests"].sum() == len(CODES)


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("en", ["4xx client error", "5xx server error", "invalid status"]),
        ("zh", ["请求错误", "服务器错误"]),
    ],
)
def test_class_counts_with_names(partial, lang, names):
    c = annotate_classes(by_class(partial), lang)
    assert c.columns == ["class", "name", "requests", "share"]
    assert c["class"].to_list() == ["1xx", "2xx", "3xx", "4xx", "5xx", "invalid"]
    assert c["requests"].to_list() == [1, 3, 0, 4, 1, 1]
    assert c["share"].to_list() == pytest.approx([0.1, 0.3, 0.0, 0.4, 0.1, 0.1])
    assert c["name"].to_list()[3 : 3 + len(names)] == names
