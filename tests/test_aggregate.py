"""Aggregates on small hand-made frames: counts, shares, top-N, percentiles, bots."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from httplog.aggregation import aggregate
from httplog.errors import StateError, UsageError
from httplog.partial import Partial, empty_partial, merge
from httplog.reduce import by_class, by_status, by_window, choose_window, percentiles, top_n
from httplog.sketches import ALPHA, ZERO_BUCKET, latency_bucket
from httplog.windows import window_minutes

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
HUMAN = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
GOOGLE = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def frame(rows: list[dict]) -> pl.DataFrame:
    """Parsed-like rows: ``t`` is seconds after T0."""
    return pl.DataFrame(
        {
            "time": pl.Series(
                [T0 + timedelta(seconds=r["t"]) for r in rows], dtype=pl.Datetime("us", "UTC")
            ),
            "status": pl.Series([r["status"] for r in rows], dtype=pl.UInt16),
            "path": [r.get("path") for r in rows],
            "remote_addr": [r.get("ip", "192.0.2.1") for r in rows],
            "user_agent": [r.get("ua", HUMAN) for r in rows],
            "bytes": pl.Series([r.get("bytes") for r in rows], dtype=pl.UInt64),
            "request_time": pl.Series([r.get("rt") for r in rows], dtype=pl.Float64),
        },
        schema_overrides={"path": pl.String, "remote_addr": pl.String, "user_agent": pl.String},
    )


ROWS = [
    {"t": 0, "status": 200, "path": "/", "bytes": 100, "rt": 0.010},
    {"t": 5, "status": 200, "path": "/", "bytes": 50, "rt": 0.020},
    {"t": 30, "status": 404, "path": "/x", "bytes": None, "rt": 0.001},
    {"t": 61, "status": 503, "path": "/api", "bytes": 10, "rt": 1.5},
    {"t": 62, "status": 503, "path": "/api", "bytes": 10, "rt": 2.5, "ua": GOOGLE},
    {"t": 120, "status": 302, "path": "/old", "bytes": 0, "rt": 0.0},
    {"t": 125, "status": 101, "path": "/ws", "bytes": 0},
    {"t": 180, "status": 999, "path": "/weird", "bytes": 1},
    {"t": 181, "status": 0, "path": None, "bytes": 1},
]


def test_counts_table_by_minute_status_and_bot():
    p = aggregate(frame(ROWS))
    got = p.counts.sort("minute", "status", "bot").select(
        pl.col("minute").dt.strftime("%H:%M"), "status", "bot", "requests", "bytes"
    )
    assert got.rows() == [
        ("10:00", 200, False, 2, 150),
        ("10:00", 404, False, 1, 0),
        ("10:01", 503, False, 1, 10),
        ("10:01", 503, True, 1, 10),
        ("10:02", 101, False, 1, 0),
        ("10:02", 302, False, 1, 0),
        ("10:03", 0, False, 1, 1),
        ("10:03", 999, False, 1, 1),
    ]


def test_by_class_counts_and_shares():
    c = by_class(aggregate(frame(ROWS)))
    assert c["class"].to_list() == ["1xx", "2xx", "3xx", "4xx", "5xx", "invalid"]
    assert c["requests"].to_list() == [1, 2, 1, 1, 2, 2]
    assert c["share"].to_list() == pytest.approx([1 / 9, 2 / 9, 1 / 9, 1 / 9, 2 / 9, 2 / 9])


def test_by_status_counts_and_shares():
    s = by_status(aggregate(frame(ROWS)))
    assert s.select("status", "requests").rows() == [
        (0, 1),
        (101, 1),
        (200, 2),
        (302, 1),
        (404, 1),
        (503, 2),
        (999, 1),
    ]
    assert s["share"].sum() == pytest.approx(1.0)


def test_empty_input_gives_zero_classes_and_empty_tables():
    p = aggregate(frame([]))
    assert by_class(p)["requests"].to_list() == [0] * 6
    assert by_class(p)["share"].to_list() == [0.0] * 6
    assert by_status(p).is_empty()
    assert by_window(p, every="1h").is_empty()
    assert top_n(p).is_empty()
    assert p.time_range is None
    assert by_class(empty_partial())["requests"].sum() == 0


def test_times_of_any_zone_or_unit_are_counted_in_utc_minutes():
    paris = pl.DataFrame(
        {
            "time": pl.Series(
                [T0, T0 + timedelta(seconds=90)], dtype=pl.Datetime("ms", "UTC")
            ).dt.convert_time_zone("Europe/Paris"),
            "status": pl.Series([200, 200], dtype=pl.UInt16),
        }
    )
    naive = paris.with_columns(
        pl.col("time").dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    )
    for df in (paris, naive):
        p = aggregate(df)
        assert p.counts.sort("minute")["minute"].to_list() == [T0, T0 + timedelta(minutes=1)]
        assert p.chunks["time_min"].item() == T0


def test_rows_without_optional_columns():
    rows = pl.DataFrame(
        {"time": [T0, T0 + timedelta(minutes=3)], "status": pl.Series([200, 500], dtype=pl.UInt16)}
    )
    p = aggregate(rows)
    assert p.counts["bytes"].sum() == 0
    assert p.keys.is_empty() and p.latency.is_empty() and p.error_keys.is_empty()
    tl = by_window(p, every="1m")
    assert tl["requests"].to_list() == [1, 0, 0, 1]
    assert "request_time_p50" not in tl.columns


# ------------------------------------------------------------------ top-N


def oracle_top(values: list[str | None], n: int) -> list[tuple[str, int]]:
    counts = Counter(v for v in values if v is not None)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_top_n_against_counter(seed):
    rnd = random.Random(seed)
    paths = [f"/p{i}" for i in range(12)] + ["/é", "/Z", "/a b"]
    ips = [f"198.51.100.{i}" for i in range(8)]
    rows = [
        {
            "t": rnd.randrange(3600),
            "status": rnd.choice([200, 200, 200, 301, 404, 404, 410, 500, 502, 503]),
            "path": rnd.choice(paths) if rnd.random() > 0.05 else None,
            "ip": rnd.choice(ips),
        }
        for _ in range(600)
    ]
    df = frame(rows)
    p = aggregate(df)
    n = 5
    top = top_n(p, n=n)
    for dim, col in [("path", "path"), ("remote_addr", "ip")]:
        for scope, keep in [
            ("all", lambda s: True),
            ("4xx", lambda s: 400 <= s < 500),
            ("5xx", lambda s: 500 <= s < 600),
        ]:
            values = [r.get(col, "192.0.2.1") for r in rows if keep(r["status"])]
            want = oracle_top(values, n)
            got = top.filter((pl.col("dimension") == dim) & (pl.col("scope") == scope))
            assert got.select("key", "requests").rows() == want, (dim, scope)
            assert got["rank"].to_list() == list(range(1, len(want) + 1))
            total = sum(1 for r in rows if keep(r["status"]))
            assert got["share"].to_list() == pytest.approx([c / total for _, c in want])


def test_top_n_ties_are_broken_by_key():
    rows = [{"t": 0, "status": 200, "path": p} for p in ["/b", "/a", "/c", "/a", "/b", "/c", "/d"]]
    top = top_n(aggregate(frame(rows)), n=3).filter(
        (pl.col("dimension") == "path") & (pl.col("scope") == "all")
    )
    assert top.select("key", "requests").rows() == [("/a", 2), ("/b", 2), ("/c", 2)]


# ------------------------------------------------------------ percentiles


def nearest_rank(values: list[float], q: Fraction) -> float:
    s = sorted(values)
    return s[max(1, math.ceil(q * len(s))) - 1]


@pytest.mark.parametrize("seed", range(6))
def test_percentiles_within_one_percent_of_nearest_rank(seed):
    rnd = random.Random(seed)
    n = rnd.choice([1, 2, 3, 10, 99, 100, 101, 1000, 5000])
    kind = seed % 3
    if kind == 0:  # log-normal, like real latencies
        values = [rnd.lognormvariate(-3, 1.5) for _ in range(n)]
    elif kind == 1:  # nginx's millisecond resolution, with zeros
        values = [round(rnd.expovariate(20), 3) for _ in range(n)]
    else:  # wide range
        values = [10 ** rnd.uniform(-6, 4) for _ in range(n)]
    rows = pl.DataFrame(
        {
            "time": [T0 + timedelta(seconds=rnd.randrange(7200)) for _ in range(n)],
            "status": pl.Series([200] * n, dtype=pl.UInt16),
            "request_time": values,
        }
    )
    p = aggregate(rows)
    got = percentiles(p.latency, every="1d").row(0, named=True)
    for name, q in [("p50", Fraction(1, 2)), ("p90", Fraction(9, 10)), ("p99", Fraction(99, 100))]:
        exact = nearest_rank(values, q)
        if exact == 0:
            assert got[name] == 0.0
        else:
            assert abs(got[name] - exact) <= (ALPHA + 1e-9) * exact, (name, got[name], exact)


def test_percentiles_exact_zero_and_per_window():
    rows = frame(
        [{"t": 0, "status": 200, "rt": 0.0}] * 6
        + [{"t": 1, "status": 200, "rt": 0.5}] * 4
        + [{"t": 700, "status": 200, "rt": 3.0}]
    )
    q = percentiles(aggregate(rows).latency, every="10m")
    assert q["p50"].to_list()[0] == 0.0  # rank 5 of 10 is a zero
    assert q["p90"][0] == pytest.approx(0.5, rel=ALPHA)
    assert q["p99"][1] == pytest.approx(3.0, rel=ALPHA)
    tl = by_window(aggregate(rows), every="10m")
    assert tl["request_time_p50"].to_list()[0] == 0.0
    assert tl["request_time_p99"][1] == pytest.approx(3.0, rel=ALPHA)


def test_latency_bucket_edges():
    df = pl.DataFrame({"x": [0.0, -1.0, None, float("nan"), float("inf"), 1e-9, 1.0, 1e6]})
    b = df.select(b=latency_bucket("x"))["b"].to_list()
    assert b[0] == ZERO_BUCKET
    assert b[1:5] == [None, None, None, None]
    assert b[6] == 0
    assert all(isinstance(v, int) for v in (b[5], b[7]))


def test_nan_and_negative_latencies_are_left_out():
    rows = frame([{"t": 0, "status": 200, "rt": v} for v in (float("nan"), -0.5, 0.25, None)])
    p = aggregate(rows)
    assert p.latency["n"].sum() == 1


# ------------------------------------------------------------------ bots


def test_bot_views_split_the_counts():
    rows = frame(
        [
            {"t": 0, "status": 200, "path": "/", "ua": HUMAN},
            {"t": 1, "status": 200, "path": "/", "ua": GOOGLE},
            {"t": 2, "status": 404, "path": "/x", "ua": "Mozilla/5.0 (compatible; AhrefsBot/7.0)"},
            {"t": 3, "status": 503, "path": "/api", "ua": "UptimeRobot/2.0"},
            {"t": 4, "status": 503, "path": "/api", "ua": HUMAN},
            {"t": 5, "status": 200, "path": "/", "ua": None},
        ]
    )
    p = aggregate(rows)
    include, exclude, only = (by_class(p.view(bots=b)) for b in ("include", "exclude", "only"))
    assert include["requests"].to_list() == [0, 3, 0, 1, 2, 0]
    assert exclude["requests"].to_list() == [0, 2, 0, 0, 1, 0]
    assert only["requests"].to_list() == [0, 1, 0, 1, 1, 0]
    top_only = top_n(p.view(bots="only"))
    assert set(top_only.filter(pl.col("dimension") == "user_agent")["key"]) == {
        GOOGLE,
        "Mozilla/5.0 (compatible; AhrefsBot/7.0)",
        "UptimeRobot/2.0",
    }
    assert by_window(p.view(bots="exclude"), every="1m")["5xx"].sum() == 1
    with pytest.raises(UsageError):
        p.view(bots="sometimes")


def test_view_narrows_time_at_minute_granularity():
    rows = frame([{"t": 60 * i, "status": 200} for i in range(10)])
    p = aggregate(rows)
    v = p.view(since=T0 + timedelta(minutes=3, seconds=20), until=T0 + timedelta(minutes=6))
    assert v.counts["requests"].sum() == 3  # minutes 3, 4, 5
    naive = p.view(since=datetime(2026, 11, 20, 10, 3), until=datetime(2026, 11, 20, 10, 6))
    assert naive.counts["requests"].sum() == 3
    assert v.time_range == (T0 + timedelta(minutes=3, seconds=20), T0 + timedelta(minutes=6))


# ------------------------------------------------------------- windows


def test_window_specs():
    assert [window_minutes(s) for s in ("1m", "5m", "20m", "1h", "3h", "1d", "2d", "1w")] == [
        1,
        5,
        20,
        60,
        180,
        1440,
        2880,
        10080,
    ]
    for bad in ("0m", "7m", "5s", "25h", "1.5h", "x"):
        with pytest.raises(UsageError):
            window_minutes(bad)


def test_choose_window_auto_keeps_charts_between_100_and_300_points():
    spans = [(1, "1m"), (6, "2m"), (12, "3m"), (24, "5m"), (24 * 7, "1h"), (24 * 60, "6h")]
    for hours, want in spans:
        rows = pl.DataFrame(
            {
                "time": [T0, T0 + timedelta(hours=hours) - timedelta(minutes=1)],
                "status": pl.Series([200, 200], dtype=pl.UInt16),
            }
        )
        p = aggregate(rows)
        assert choose_window(p) == want, hours
        if hours >= 6:
            assert 150 <= by_window(p, every=want).height <= 300
        assert choose_window(p, "15m") == "15m"
    assert choose_window(empty_partial()) == "1h"


# ------------------------------------------------------------- on disk


def test_parquet_round_trip(tmp_path):
    rows = frame(ROWS)
    rej = pl.DataFrame(
        {"source": ["a"], "chunk_start": [0], "line": [3], "reason": ["no_match"], "text": ["x"]},
        schema={
            "source": pl.String,
            "chunk_start": pl.UInt64,
            "line": pl.UInt64,
            "reason": pl.String,
            "text": pl.String,
        },
    )
    p = aggregate(rows, source="a", rejected=rej, format_label="combined")
    path = str(tmp_path / "p.parquet")
    p.to_parquet(path)
    q = Partial.from_parquet(path)
    for name in ("counts", "latency", "keys", "error_keys", "rejected", "samples", "chunks"):
        assert_frame_equal(getattr(q, name), getattr(p, name), check_row_order=False)
    bad = tmp_path / "bad.parquet"
    pl.DataFrame({"x": [1]}).write_parquet(bad)
    with pytest.raises(StateError):
        Partial.from_parquet(str(bad))
    (tmp_path / "junk").write_text("not parquet")
    with pytest.raises(StateError):
        Partial.from_parquet(str(tmp_path / "junk"))


def test_merge_identity_and_numbered_samples():
    a = aggregate(frame(ROWS[:4]))
    assert (
        merge(a, empty_partial())
        .counts.sort("minute", "status", "bot")
        .equals(a.counts.sort("minute", "status", "bot"))
    )
    assert merge().counts.is_empty()
