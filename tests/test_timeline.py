"""Windows: hand-computed counts, empty windows, time zones and daylight-saving days."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from httplog.aggregation import aggregate
from httplog.errors import UsageError
from httplog.reduce import by_window
from httplog.windows import window_minutes, window_start


def rows_at(times: list[datetime], statuses: list[int] | None = None, **cols) -> pl.DataFrame:
    statuses = statuses if statuses is not None else [200] * len(times)
    return pl.DataFrame(
        {
            "time": pl.Series(times, dtype=pl.Datetime("us", "UTC")),
            "status": pl.Series(statuses, dtype=pl.UInt16),
            **cols,
        }
    )


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def local(s: pl.Series) -> list[str]:
    return [t.strftime("%Y-%m-%d %H:%M%z") for t in s]


def instants(s: pl.Series) -> list[datetime]:
    """As UTC datetimes: Python compares and subtracts datetimes of one zone by
    wall time, which would hide a repeated hour."""
    return s.dt.convert_time_zone("UTC").to_list()


def tiles(tl: pl.DataFrame) -> bool:
    """Each window ends where the next starts."""
    return instants(tl["end"])[:-1] == instants(tl["start"])[1:]


def test_hand_computed_5m_windows():
    t0 = utc(2026, 11, 20, 10, 0)
    sec = [0, 59, 60, 299, 300, 301, 899, 1200, 1201, 1202]
    status = [200, 201, 404, 500, 200, 302, 503, 200, 101, 999]
    nbytes = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    df = rows_at(
        [t0 + timedelta(seconds=s) for s in sec],
        status,
        bytes=pl.Series(nbytes, dtype=pl.UInt64),
    )
    tl = by_window(aggregate(df), every="5m")
    assert local(tl["start"]) == [
        "2026-11-20 10:00+0000",
        "2026-11-20 10:05+0000",
        "2026-11-20 10:10+0000",
        "2026-11-20 10:15+0000",
        "2026-11-20 10:20+0000",
    ]
    assert local(tl["end"])[-1] == "2026-11-20 10:25+0000"
    got = tl.select("requests", "1xx", "2xx", "3xx", "4xx", "5xx", "invalid", "bytes").rows()
    assert got == [
        (4, 0, 2, 0, 1, 1, 0, 100),
        (2, 0, 1, 1, 0, 0, 0, 110),
        (1, 0, 0, 0, 0, 1, 0, 70),
        (0, 0, 0, 0, 0, 0, 0, 0),  # empty window: a row of zeros
        (3, 1, 1, 0, 0, 0, 1, 270),
    ]
    assert tl["rate_4xx"].to_list() == [0.25, 0.0, 0.0, 0.0, 0.0]
    assert tl["rate_5xx"].to_list() == [0.25, 0.0, 1.0, 0.0, 0.0]


def test_empty_windows_are_zero_rows_with_null_percentiles():
    df = rows_at(
        [utc(2026, 1, 1, 0, 10), utc(2026, 1, 1, 5, 59)],
        [500, 200],
        request_time=[0.5, 0.25],
    )
    tl = by_window(aggregate(df), every="1h")
    assert tl.height == 6
    assert tl["requests"].to_list() == [1, 0, 0, 0, 0, 1]
    assert tl["5xx"].to_list() == [1, 0, 0, 0, 0, 0]
    assert tl["rate_5xx"].to_list() == [1.0, 0, 0, 0, 0, 0]
    assert tl["request_time_p50"].null_count() == 4
    assert tl.schema["requests"] == pl.UInt64
    # Consecutive windows tile the span: each ends where the next starts.
    assert tiles(tl)


def test_kolkata_hour_windows_start_at_local_hour():
    # +05:30: local :00 is UTC :30.
    df = rows_at([utc(2026, 1, 1, 10, 29), utc(2026, 1, 1, 10, 30), utc(2026, 1, 1, 12, 45)])
    tl = by_window(aggregate(df), every="1h", tz="Asia/Kolkata")
    assert local(tl["start"]) == [
        "2026-01-01 15:00+0530",
        "2026-01-01 16:00+0530",
        "2026-01-01 17:00+0530",
        "2026-01-01 18:00+0530",
    ]
    assert tl["requests"].to_list() == [1, 1, 0, 1]
    assert str(tl.schema["start"].time_zone) == "Asia/Kolkata"


def test_kolkata_day_windows_start_at_local_midnight():
    df = rows_at([utc(2026, 1, 1, 18, 29), utc(2026, 1, 1, 18, 30)])
    tl = by_window(aggregate(df), every="1d", tz="Asia/Kolkata")
    assert local(tl["start"]) == ["2026-01-01 00:00+0530", "2026-01-02 00:00+0530"]
    assert tl["requests"].to_list() == [1, 1]


def test_new_york_windows():
    # EST is -05:00 in January.
    df = rows_at([utc(2026, 1, 15, 4, 59), utc(2026, 1, 15, 5, 0), utc(2026, 1, 15, 6, 15)])
    tl = by_window(aggregate(df), every="1d", tz="America/New_York")
    assert local(tl["start"]) == ["2026-01-14 00:00-0500", "2026-01-15 00:00-0500"]
    assert tl["requests"].to_list() == [1, 2]
    tl = by_window(aggregate(df), every="30m", tz="America/New_York")
    assert tl["requests"].to_list() == [1, 1, 0, 1]
    assert local(tl["start"])[0] == "2026-01-14 23:30-0500"


def every_minute(lo: datetime, hi: datetime) -> pl.DataFrame:
    n = int((hi - lo).total_seconds() // 60)
    return rows_at([lo + timedelta(minutes=i) for i in range(n)])


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("Europe/Paris", "2026-03-29", ["00", "01", "03", "04"]),  # spring forward
        ("America/New_York", "2026-03-08", ["00", "01", "03", "04"]),
    ],
)
def test_spring_forward_hour_windows(tz, day, hours):
    z = zoneinfo.ZoneInfo(tz)
    lo = datetime.fromisoformat(f"{day}T00:00").replace(tzinfo=z).astimezone(UTC)
    hi = datetime.fromisoformat(f"{day}T05:00").replace(tzinfo=z).astimezone(UTC)
    tl = by_window(aggregate(every_minute(lo, hi)), every="1h", tz=tz)
    assert [t.strftime("%H") for t in tl["start"]] == [*hours, "05"][: tl.height]
    assert tl.height == 4  # 4 real hours between local 00:00 and 05:00
    assert tl["requests"].to_list() == [60, 60, 60, 60]
    assert tiles(tl)


@pytest.mark.parametrize(
    ("tz", "day", "offsets"),
    [
        ("Europe/Paris", "2026-10-25", ["+0200", "+0200", "+0200", "+0100", "+0100", "+0100"]),
        ("America/New_York", "2026-11-01", ["-0400", "-0400", "-0500", "-0500", "-0500", "-0500"]),
    ],
)
def test_fall_back_repeated_hour_is_two_windows(tz, day, offsets):
    z = zoneinfo.ZoneInfo(tz)
    lo = datetime.fromisoformat(f"{day}T00:00").replace(tzinfo=z).astimezone(UTC)
    hi = lo + timedelta(hours=6)
    tl = by_window(aggregate(every_minute(lo, hi)), every="1h", tz=tz)
    starts = tl["start"].to_list()
    assert len(set(instants(tl["start"]))) == 6  # 6 real hours, none merged or dropped
    assert [t.strftime("%z") for t in starts] == offsets
    wall = [t.strftime("%H:%M") for t in starts]
    repeated = "02:00" if tz == "Europe/Paris" else "01:00"
    assert wall.count(repeated) == 2
    assert tl["requests"].to_list() == [60] * 6
    spans = zip(instants(tl["start"]), instants(tl["end"]), strict=True)
    assert all((e - s) == timedelta(hours=1) for s, e in spans)


@pytest.mark.parametrize(
    ("tz", "days", "hours"),
    [
        ("Europe/Paris", ("2026-03-28", "2026-03-29", "2026-03-30"), [24, 23, 24]),
        ("Europe/Paris", ("2026-10-24", "2026-10-25", "2026-10-26"), [24, 25, 24]),
        ("America/New_York", ("2026-03-07", "2026-03-08", "2026-03-09"), [24, 23, 24]),
        ("America/New_York", ("2026-10-31", "2026-11-01", "2026-11-02"), [24, 25, 24]),
    ],
)
def test_day_windows_of_23_and_25_hours(tz, days, hours):
    z = zoneinfo.ZoneInfo(tz)
    lo = datetime.fromisoformat(f"{days[0]}T00:00").replace(tzinfo=z).astimezone(UTC)
    hi = datetime.fromisoformat(f"{days[-1]}T23:59").replace(tzinfo=z).astimezone(UTC)
    tl = by_window(aggregate(every_minute(lo, hi + timedelta(minutes=1))), every="1d", tz=tz)
    assert [t.strftime("%Y-%m-%d %H:%M") for t in tl["start"]] == [f"{d} 00:00" for d in days]
    spans = zip(instants(tl["start"]), instants(tl["end"]), strict=True)
    assert [(e - s) / timedelta(hours=1) for s, e in spans] == hours
    assert tl["requests"].to_list() == [h * 60 for h in hours]


def reference_starts(lo: datetime, hi: datetime, every: str, tz: str) -> dict[datetime, datetime]:
    """Window start of every UTC minute in [lo, hi), by brute force with zoneinfo.

    A sub-day window starts wherever the local clock reads a multiple of the
    window (from local midnight); a day window wherever the local date changes.
    """
    z = zoneinfo.ZoneInfo(tz)
    minutes = window_minutes(every)
    out: dict[datetime, datetime] = {}
    t, start = lo - timedelta(days=8), None
    epoch = datetime(1970, 1, 1).toordinal()
    while t < hi:
        now, before = t.astimezone(z), (t - timedelta(minutes=1)).astimezone(z)
        if minutes >= 1440:
            n = minutes // 1440

            def key(d, n=n):
                if n % 7 == 0:  # weeks start on Monday
                    return (d.date().toordinal() - d.weekday() - epoch) // n
                return (d.date().toordinal() - epoch) // n

            boundary = key(now) != key(before)
        else:
            boundary = (now.hour * 60 + now.minute) % minutes == 0
        if boundary:
            start = t
        if t >= lo:
            out[t] = start
        t += timedelta(minutes=1)
    return out


ZONES = [
    ("Europe/Paris", utc(2026, 3, 28, 20), utc(2026, 3, 30, 2)),
    ("Europe/Paris", utc(2026, 10, 24, 20), utc(2026, 10, 26, 2)),
    ("America/New_York", utc(2026, 11, 1, 0), utc(2026, 11, 2, 8)),
    ("Australia/Lord_Howe", utc(2026, 4, 4, 10), utc(2026, 4, 5, 18)),  # 30-minute DST
    ("Africa/Cairo", utc(2026, 4, 23, 12), utc(2026, 4, 25, 1)),  # skips midnight
    ("America/Santiago", utc(2026, 9, 5, 12), utc(2026, 9, 7, 6)),
    ("Asia/Kathmandu", utc(2026, 1, 1, 0), utc(2026, 1, 2, 6)),  # +05:45
]


@pytest.mark.parametrize(("tz", "lo", "hi"), ZONES)
@pytest.mark.parametrize("every", ["1m", "5m", "20m", "1h", "90m", "3h", "1d", "2d", "7d"])
def test_window_start_matches_brute_force(tz, lo, hi, every):
    ref = reference_starts(lo, hi, every, tz)
    s = pl.Series("t", list(ref), dtype=pl.Datetime("us", "UTC"))
    got = s.to_frame().select(window_start("t", every, tz).dt.convert_time_zone("UTC"))["t"]
    assert got.to_list() == list(ref.values())
    # The timeline has exactly these windows, and each ends where the next starts.
    tl = by_window(aggregate(rows_at(list(ref))), every=every, tz=tz)
    starts = sorted(set(ref.values()))
    assert instants(tl["start"]) == starts
    assert tiles(tl)
    assert tl["requests"].sum() == len(ref)


def test_unknown_time_zone_is_a_usage_error():
    df = rows_at([utc(2026, 1, 1)])
    with pytest.raises(UsageError, match="time zone"):
        by_window(aggregate(df), every="1h", tz="Mars/Olympus_Mons")
