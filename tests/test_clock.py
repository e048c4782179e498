"""The log's own clock: the UTC offsets lines write, the default view zone, the --tz forms."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from cli_runner import err, invoke, out

import httplog
from httplog.cli.terminal import to_text
from httplog.partial import Partial, merge
from httplog.summary import to_summary
from httplog.windows import (
    local_zone,
    offset_minutes,
    polars_zone,
    resolve_tz,
    window_start,
    zone,
)


def _lines(offset: str, n: int = 60, start: datetime | None = None) -> list[str]:
    """``n`` requests a minute apart from 03:56 local, written with ``offset``."""
    t0 = start or datetime(2019, 1, 22, 3, 56, 14)
    return [
        f"192.0.2.{i % 7} - - [{(t0 + timedelta(minutes=i)).strftime('%d/%b/%Y:%H:%M:%S')} "
        f'{offset}] "GET /p{i % 3} HTTP/1.1" {404 if i % 5 == 0 else 200} 10 "-" "Mozilla/5.0"'
        for i in range(n)
    ]


@pytest.fixture
def shop_log(write_log) -> Path:
    return write_log(_lines("+0330"))


def test_the_partial_counts_the_offsets_the_lines_write(write_log):
    p = httplog.analyze(write_log(_lines("+0330", 5) + _lines("-0800", 2))).partial
    assert dict(p.offsets.rows()) == {-480: 2, 210: 5}
    assert dict(merge(p, p).offsets.rows()) == {-480: 4, 210: 10}


def test_iso_times_give_their_offset_and_those_without_give_none(write_log):
    rows = [
        '{"time": "2026-11-20T10:00:00+05:30", "status": 200}',
        '{"time": "2026-11-20T10:00:00Z", "status": 200}',
        '{"time": "2026-11-20T10:00:00", "status": 200}',
    ]
    p = httplog.analyze(write_log(rows), log_format="json").partial
    assert dict(p.offsets.rows()) == {0: 1, 330: 1}


def test_by_default_times_are_on_the_clock_the_log_writes(shop_log):
    a = httplog.analyze(shop_log, window="1h")
    assert (a.view.tz, a.tz_source) == ("+03:30", "log")
    first = a.timeline["start"][0]
    # 03:56 as written: the 1h window starts at 03:00 on the log's clock
    assert first.astimezone(zone("+03:30")).strftime("%H:%M") == "03:00"
    s = to_summary(a)
    assert s["tz"] == "+03:30" and s["tz_source"] == "log"
    assert s["time_range"]["start"] == "2019-01-22T03:56:14+03:30"
    assert all(w["start"].endswith("+03:30") for w in s["windows"])


def test_the_most_common_offset_wins(write_log):
    a = httplog.analyze(write_log(_lines("+0100", 40) + _lines("+0200", 20)))
    assert a.view.tz == "+01:00"


def test_a_log_without_offsets_is_shown_in_utc_and_says_why(write_log):
    rows = [f'{{"time": {1_700_000_000 + i}, "status": 200}}' for i in range(5)]
    a = httplog.analyze(write_log(rows), log_format="json")
    assert (a.view.tz, a.tz_source) == ("UTC", "unknown")


def test_a_zone_given_wins_over_the_log(shop_log):
    a = httplog.analyze(shop_log, tz="Europe/Paris")
    assert (a.view.tz, a.tz_source) == ("Europe/Paris", "given")
    assert to_summary(a)["time_range"]["start"] == "2019-01-22T01:26:14+01:00"


def test_a_partial_saved_before_offsets_were_counted_reads_as_unknown(shop_log, tmp_path):
    p = httplog.analyze(shop_log).partial
    new, old = tmp_path / "new.parquet", tmp_path / "old.parquet"
    p.to_parquet(new)
    # what an httplog without the offsets table wrote: no such rows, no such column
    df = pl.read_parquet(new).filter(pl.col("table") != "offsets").drop("offset")
    df.write_parquet(old)
    back = Partial.from_parquet(old)
    assert back.offsets.is_empty()
    assert back.counts.equals(p.counts)
    a = httplog.finalize(back)
    assert (a.view.tz, a.tz_source) == ("UTC", "unknown")


@pytest.mark.parametrize(
    ("tz", "minutes"),
    [("+05:30", 330), ("-08:00", -480), ("+0530", 330), ("Z", 0), ("UTC+3", 180)],
)
def test_fixed_offsets_are_read(tz, minutes):
    assert offset_minutes(tz) == minutes
    assert zone(tz).utcoffset(None) == timedelta(minutes=minutes)


def test_whole_hour_offsets_are_polars_zones_and_others_stay_utc():
    assert polars_zone("-08:00") == "Etc/GMT+8"
    assert polars_zone("+05:45") == "UTC"
    assert resolve_tz("Z") == "UTC"


def test_windows_of_a_half_hour_offset_align_on_its_clock():
    t = pl.Series("t", [datetime(2026, 1, 1, 0, 10, tzinfo=UTC)])
    start = t.to_frame().select(window_start("t", "1d", "+05:30"))["t"][0]
    # 05:40 on 2026-01-01 at +05:30: the day starts at local midnight, 18:30 UTC before
    assert start.astimezone(UTC) == datetime(2025, 12, 31, 18, 30, tzinfo=UTC)


def test_local_honours_tz(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    assert local_zone() == "Asia/Kolkata"
    assert resolve_tz("local") == "Asia/Kolkata"


def test_the_terminal_says_which_clock(shop_log, write_log):
    text = to_text(to_summary(httplog.analyze(shop_log)))
    assert "(times in UTC+03:30, as written in the log)" in text
    text = to_text(to_summary(httplog.analyze(shop_log, tz="Asia/Tehran")))
    assert "(times in Asia/Tehran)" in text


def test_cli_takes_every_form_of_zone(shop_log, monkeypatch):
    for tz, shown in (("+05:30", "+05:30"), ("-08:00", "-08:00"), ("Z", "UTC"), ("UTC", "UTC")):
        r = invoke("analyze", shop_log, "--no-report", "--json", "-", "--tz", tz)
        assert r.returncode == 0, err(r)
        assert json.loads(out(r))["tz"] == shown
    monkeypatch.setenv("TZ", "America/Sao_Paulo")
    r = invoke("analyze", shop_log, "--no-report", "--json", "-", "--tz", "local")
    assert json.loads(out(r))["tz"] == "America/Sao_Paulo"


@pytest.mark.parametrize("tz", ["Mars/Olympus", "+25:00", "+05:61"])
def test_a_bad_zone_is_one_line_and_exit_2(shop_log, tz):
    r = invoke("analyze", shop_log, "--no-report", "--tz", tz)
    assert r.returncode == 2
    assert len(err(r).strip().splitlines()) == 1, err(r)
    assert err(r).startswith("httplog: ") and "tz" in err(r)


def test_a_half_hour_offset_with_no_latency_values_still_finalizes(write_log):
    # request_time written as "-" everywhere: an empty latency table, windows at +03:30
    lines = [
        f'192.0.2.1 [22/Jan/2019:03:{m:02d}:14 +0330] "GET / HTTP/1.1" 200 -' for m in range(5)
    ]
    fmt = '$remote_addr [$time_local] "$request" $status $request_time'
    a = httplog.analyze(write_log(lines), log_format=fmt)
    assert a.view.tz == "+03:30" and a.requests == 5


def test_percentiles_of_nothing_in_a_half_hour_offset():
    from httplog.partial import TABLES
    from httplog.reduce import percentiles

    q = percentiles(TABLES["latency"].empty(), every="1h", tz="+03:30")
    assert q.is_empty() and q.schema["start"] == pl.Datetime("us", "UTC")
