"""Virtual hosts' own timelines and spikes: a host's outage the fleet's rates hide is found."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

import httplog
import httplog.partial_tables as partial_tables
from httplog.aggregation import aggregate
from httplog.cli.terminal import to_text
from httplog.partial import OTHER_HOST, Partial, fold_hosts, merge
from httplog.summary import to_summary, validate

T0 = datetime(2026, 11, 20, tzinfo=UTC)


def hidden_burst_log(path: Path) -> Path:
    """4 hours of 5-minute windows: www (1,000 requests a window, 3% 5xx at random)
    and api (25 a window, no errors but 40% 503s in windows 30 and 31: 02:30–02:40)."""
    rng = random.Random(7)
    rows = []
    for w in range(48):
        for i in range(1000):
            t = T0 + timedelta(minutes=5 * w, seconds=i * 300 // 1000)
            rows.append((t, "www.example.org", 503 if rng.random() < 0.03 else 200, "/"))
        for i in range(25):
            t = T0 + timedelta(minutes=5 * w, seconds=i * 12)
            status = 503 if w in (30, 31) and i % 5 < 2 else 200
            rows.append((t, "api.example.org", status, f"/api/v1/users/{i}"))
    rows.sort()
    with path.open("w") as f:
        for t, host, status, p in rows:
            stamp = t.strftime("%d/%b/%Y:%H:%M:%S +0000")
            f.write(
                f'{host}:443 192.0.2.1 - - [{stamp}] "GET {p} HTTP/1.1" {status} 10 "-" "Mozilla/5.0"\n'
            )
    return path


@pytest.fixture(scope="module")
def burst(tmp_path_factory: pytest.TempPathFactory) -> httplog.Analysis:
    log = hidden_burst_log(tmp_path_factory.mktemp("vhost") / "vhost.log")
    return httplog.analyze(str(log), window="5m")


def test_a_hosts_burst_hidden_in_the_fleets_rate_is_a_host_spike(burst: httplog.Analysis) -> None:
    assert burst.spikes.is_empty()  # the fleet's 5xx rate hides it
    assert burst.host_spikes is not None
    got = burst.host_spikes.select("host", "kind", "start", "end", "errors", "overall").rows()
    assert got == [
        (
            "api.example.org",
            "5xx",
            T0 + timedelta(hours=2, minutes=30),
            T0 + timedelta(hours=2, minutes=40),
            20,
            False,
        )
    ]


def test_host_timelines_add_up_to_each_hosts_requests_over_the_overall_windows(
    burst: httplog.Analysis,
) -> None:
    tl = burst.host_timeline
    assert tl is not None
    assert tl.columns == ["host", "start", "end", "requests", "4xx", "5xx", "rate_4xx", "rate_5xx"]
    assert tl["host"].unique(maintain_order=True).to_list() == [
        "www.example.org",
        "api.example.org",
    ]
    per_host = dict(tl.group_by("host").agg(pl.col("requests").sum()).iter_rows())
    assert per_host == {"www.example.org": 48_000, "api.example.org": 1_200}
    api = tl.filter(pl.col("host") == "api.example.org")
    assert api["start"].to_list() == burst.timeline["start"].to_list()
    assert api.filter(pl.col("start") == T0 + timedelta(hours=2, minutes=30))["rate_5xx"][0] == 0.4


def test_the_json_summary_lists_host_spikes_and_validates(burst: httplog.Analysis) -> None:
    s = json.loads(json.dumps(to_summary(burst)))
    assert validate(s) == []
    assert s["spikes"] == []
    (h,) = s["host_spikes"]
    assert (h["host"], h["kind"], h["errors"], h["overall"]) == (
        "api.example.org",
        "5xx",
        20,
        False,
    )
    assert h["start"] == "2026-11-20T02:30:00+00:00"


def test_the_terminal_says_a_host_has_a_spike_the_overall_timeline_does_not_show(
    burst: httplog.Analysis,
) -> None:
    s = to_summary(burst)
    text = to_text(s)
    assert "doesn't show (1)" in text
    assert "host api.example.org: 5xx 2026-11-20 02:30:00 – 02:40" in text
    zh = to_text({**s, "lang": "zh"})
    assert "整体时间线中看不到" in zh and "主机 api.example.org" in zh


def test_a_host_spike_the_overall_timeline_shows_too_is_marked_overall(tmp_path: Path) -> None:
    lines = []
    for m in range(240):
        t = T0 + timedelta(minutes=m)
        for i in range(30):
            status = 503 if 120 <= m < 125 and i < 20 else 200
            stamp = (t + timedelta(seconds=i)).strftime("%d/%b/%Y:%H:%M:%S +0000")
            lines.append(
                f'a.example:80 192.0.2.1 - - [{stamp}] "GET / HTTP/1.1" {status} 1 "-" "x"\n'
            )
    log = tmp_path / "one.log"
    log.write_text("".join(lines))
    a = httplog.analyze(str(log), window="5m")
    assert a.spikes.height == 1 and a.host_spikes is not None
    assert a.host_spikes.select("host", "overall").rows() == [("a.example", True)]
    assert "doesn't show" not in to_text(to_summary(a))


def test_a_log_without_hosts_has_no_host_timeline_nor_host_spikes_in_the_json(
    tmp_path: Path,
) -> None:
    log = tmp_path / "a.log"
    log.write_text('192.0.2.1 - - [20/Nov/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"\n')
    a = httplog.analyze(str(log))
    assert a.host_timeline is None and a.host_spikes is None
    assert "host_spikes" not in to_summary(a)


def frame(hosts: list[str], minute: int = 0, status: int = 200) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "time": [T0 + timedelta(minutes=minute)] * len(hosts),
            "status": pl.Series([status] * len(hosts), dtype=pl.UInt16),
            "host": hosts,
        }
    )


def test_hosts_beyond_the_bound_fold_into_other_keeping_each_minutes_totals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(partial_tables, "HOSTS_K", 2)
    a = aggregate(frame(["a"] * 5 + ["b"] * 3 + ["c", "d"]))
    b = aggregate(frame(["c"] * 4 + ["e"], status=503))
    m = merge(a, b).host_counts
    # the merged minute has a 5, c 5 (1 + 4 503s), b 3, d 1, e 1: the first two kept
    assert m.select("host", "requests", "5xx").rows() == [
        (OTHER_HOST, 5, 1),
        ("a", 5, 0),
        ("c", 5, 4),
    ]
    assert m["requests"].sum() == 15 and m["5xx"].sum() == 5  # the minute's totals: exact
    tl = httplog.finalize(merge(a, b)).host_timeline
    assert tl is not None and OTHER_HOST not in tl["host"].to_list()


def test_a_host_named_other_stays_a_host_beside_the_folded_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(partial_tables, "HOSTS_K", 2)
    a = aggregate(frame(["(other)"] * 6 + ["a"] * 5 + ["b"] * 3 + ["c"]))
    b = aggregate(frame(["(other)"] + ["d"] * 2, status=503))
    m = merge(a, b)
    # (other) 7 and a 5 kept; b 3, d 2 (503s) and c 1 folded into the null host
    assert m.host_counts.select("host", "requests", "5xx").rows() == [
        (None, 6, 2),
        ("(other)", 7, 1),
        ("a", 5, 0),
    ]
    assert merge(b, a).host_counts.equals(m.host_counts)
    path = tmp_path / "p.parquet"
    m.to_parquet(path)
    assert Partial.from_parquet(path).host_counts.equals(m.host_counts)
    tl = httplog.finalize(m).host_timeline
    assert tl is not None and tl["host"].unique().sort().to_list() == ["(other)", "a"]
    assert tl.filter(pl.col("host") == "(other)")["requests"].sum() == 7


def test_fold_hosts_leaves_a_table_within_its_bound_as_it_is() -> None:
    t = aggregate(frame(["a", "b", "b"])).host_counts
    assert fold_hosts(t, k=2) is t


def test_host_counts_of_any_split_merge_into_those_of_the_whole() -> None:
    rng = random.Random(3)
    rows = pl.DataFrame(
        {
            "time": [T0 + timedelta(seconds=rng.randrange(3 * 3600)) for _ in range(3000)],
            "status": pl.Series(
                [rng.choice([200, 404, 503]) for _ in range(3000)], dtype=pl.UInt16
            ),
            "host": [rng.choice(["a", "b", "c", "d"]) for _ in range(3000)],
        }
    ).sort("time")
    whole = aggregate(rows).host_counts
    cuts = sorted(rng.sample(range(1, 3000), 5))
    parts = [aggregate(rows[lo:hi]) for lo, hi in zip([0, *cuts], [*cuts, 3000], strict=True)]
    rng.shuffle(parts)
    assert merge(*parts).host_counts.equals(whole)


def test_host_counts_survive_the_partial_file_and_an_older_file_reads_without_them(
    tmp_path: Path,
) -> None:
    p = aggregate(frame(["a", "b"]))
    path = tmp_path / "p.parquet"
    p.to_parquet(path)
    assert Partial.from_parquet(path).host_counts.equals(p.host_counts)
    old = pl.read_parquet(path).filter(pl.col("table") != "host_counts").drop("host", "4xx", "5xx")
    old.write_parquet(path)
    assert Partial.from_parquet(path).host_counts.is_empty()


def test_beyond_the_bound_any_split_keeps_each_minutes_totals_and_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(partial_tables, "HOSTS_K", 3)
    rng = random.Random(11)
    n = 2000
    rows = pl.DataFrame(
        {
            "time": [T0 + timedelta(seconds=rng.randrange(600)) for _ in range(n)],
            "status": pl.Series(
                [rng.choice([200, 200, 404, 503]) for _ in range(n)], dtype=pl.UInt16
            ),
            "host": [f"h{min(rng.randrange(12), rng.randrange(12))}" for _ in range(n)],
        }
    ).sort("time")
    totals = rows.group_by(minute=pl.col("time").dt.truncate("1m")).agg(
        requests=pl.len().cast(pl.UInt64),
        e4=(pl.col("status") // 100 == 4).sum().cast(pl.UInt64),
        e5=(pl.col("status") // 100 == 5).sum().cast(pl.UInt64),
    )
    for _ in range(10):
        cuts = sorted(rng.sample(range(1, n), rng.randrange(1, 8)))
        parts = [aggregate(rows[lo:hi]) for lo, hi in zip([0, *cuts], [*cuts, n], strict=True)]
        rng.shuffle(parts)
        hc = merge(*parts).host_counts
        assert hc.group_by("minute").len()["len"].max() <= 4  # 3 hosts and (other)
        got = hc.group_by("minute").agg(
            pl.col("requests").sum(), e4=pl.col("4xx").sum(), e5=pl.col("5xx").sum()
        )
        assert got.sort("minute").equals(totals.sort("minute"))
