"""Time: zones, the times a user writes, and windows aligned on a local clock.

- :func:`check_tz` / :func:`zone`: the one time-zone check (an IANA name).
- :func:`parse_time`: ``24h``, ``2026-11-20``, ``2026-11-20T13:00+01:00`` → UTC.
- Window specs: :func:`window_minutes` (``5m``, ``1h``, ``1d`` …),
  :func:`window_label`, and :func:`auto_window` for ``auto``.
- :func:`window_start`: the start of the window holding a UTC time, on the
  local clock of a zone, daylight-saving changes included, and
  :func:`windows_between`: every window between two times.

Examples
--------
>>> window_minutes("15m"), window_label(120)
(15, '2h')
>>> from datetime import datetime, UTC
>>> now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
>>> parse_time("24h", "UTC", now).isoformat()
'2026-11-19T12:00:00+00:00'
>>> parse_time("2026-11-20", "Europe/Paris", now).isoformat()
'2026-11-19T23:00:00+00:00'
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from httplog.errors import OptionError, UsageError

MINUTE = pl.Datetime("us", "UTC")

_WINDOW = re.compile(r"^(\d+)\s*(m|min|h|d|w)$")
#: Candidate windows for ``auto``, in minutes.
#: Consecutive candidates are at most 2× apart (3.5× for the last), so ``auto``
#: gives 150–300 points on any span over five hours.
AUTO_WINDOWS = (1, 2, 3, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
#: ``auto`` aims at no more than this many points in a chart.
MAX_POINTS = 300
#: The longest window (minutes): a year.
MAX_WINDOW = 366 * 1440


# ------------------------------------------------------------- time zones

#: The view's default zone: the UTC offset most lines of the log carry.
LOG = "log"
#: The machine's zone (``TZ`` if set, else the system's).
LOCAL = "local"
_TZ_FORMS = "use an IANA name (Europe/Paris), local, log, UTC or an offset (+05:30, -08:00, Z)"
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def offset_minutes(tz: str) -> int | None:
    """The fixed UTC offset ``tz`` writes (``+05:30``, ``-0800``, ``UTC+3``, ``Z``), in
    minutes; None for a zone name. An offset beyond ±14:00 is an OptionError.

    >>> (
    ...     offset_minutes("+05:30"),
    ...     offset_minutes("-08:00"),
    ...     offset_minutes("Z"),
    ...     offset_minutes("UTC"),
    ... )
    (330, -480, 0, None)
    """
    s = tz.strip()
    if s in ("Z", "z"):
        return 0
    m = _OFFSET.match(s)
    if m is None:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if minutes >= 60 or hours * 60 + minutes > 14 * 60:
        raise OptionError("tz", tz, "offset out of range", limit="from -14:00 to +14:00")
    return (hours * 60 + minutes) * (-1 if m.group(1) == "-" else 1)


def offset_name(minutes: int) -> str:
    """A fixed offset's canonical name: ``UTC`` for 0, else ``+03:30``, ``-08:00``.

    >>> offset_name(210), offset_name(-480), offset_name(0)
    ('+03:30', '-08:00', 'UTC')
    """
    if minutes == 0:
        return "UTC"
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}"


def local_zone() -> str:
    """The machine's zone name: ``TZ`` when it names a zone, else the system's
    (``/etc/localtime``), else the offset in force now."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        try:
            ZoneInfo(env)
            return env
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    real = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in real:
        name = real.split("zoneinfo/", 1)[1]
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError, OSError):
            ZoneInfo(name)
            return name
    off = datetime.now().astimezone().utcoffset() or timedelta(0)
    return offset_name(int(off.total_seconds() // 60))


def resolve_tz(tz: str) -> str:
    """A concrete zone for ``tz``: ``local`` → the machine's, an offset → its canonical
    name, ``log`` → UTC (the log's offset is known once it is read: see
    :func:`httplog.finalize`); IANA names stay.

    >>> resolve_tz("+0330"), resolve_tz("Z"), resolve_tz("Asia/Tehran"), resolve_tz("log")
    ('+03:30', 'UTC', 'Asia/Tehran', 'UTC')
    """
    if tz == LOCAL:
        return local_zone()
    if tz == LOG:
        return "UTC"
    off = offset_minutes(tz)
    return offset_name(off) if off is not None else tz


def zone(tz: str) -> tzinfo:
    """The zone ``tz`` means (see :func:`check_tz`); an
    :class:`~httplog.errors.OptionError` unless it is one.

    >>> zone("Asia/Kolkata").key
    'Asia/Kolkata'
    >>> zone("+05:30")
    datetime.timezone(datetime.timedelta(seconds=19800))
    >>> zone("Mars/Olympus")
    Traceback (most recent call last):
    ...
    httplog.errors.OptionError: bad tz 'Mars/Olympus': unknown time zone (use an IANA name (Europe/Paris), local, log, UTC or an offset (+05:30, -08:00, Z))
    """
    name = resolve_tz(tz)
    off = offset_minutes(name) if name != "UTC" else None
    if off is not None:
        return timezone(timedelta(minutes=off))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise OptionError("tz", tz, "unknown time zone", limit=_TZ_FORMS) from None


def check_tz(tz: str) -> str:
    """``tz`` if it is a time zone: an IANA name, ``local``, ``log``, or a fixed
    offset (see :func:`zone`)."""
    zone(tz)
    return tz


def polars_zone(tz: str) -> str:
    """The polars time zone of columns shown in ``tz``.

    Polars zones are IANA names: a whole-hour offset is its ``Etc/GMT`` zone; any
    other offset (``+03:30``) has none, and its columns stay in UTC (the instants
    are right; :func:`wall_clock` reads them on its clock).

    >>> polars_zone("+02:00"), polars_zone("+03:30"), polars_zone("Asia/Tehran")
    ('Etc/GMT-2', 'UTC', 'Asia/Tehran')
    """
    name = resolve_tz(tz)
    off = offset_minutes(name) if name != "UTC" else None
    if off is None:
        return name
    if off % 60 == 0:
        return f"Etc/GMT{-off // 60:+d}"
    return "UTC"


def wall_clock(times: pl.Series, tz: str) -> pl.Series:
    """Times as the clock of ``tz`` reads them (naive datetimes), for charts.

    >>> from datetime import datetime, UTC
    >>> t = pl.Series([datetime(2026, 1, 1, 10, tzinfo=UTC)])
    >>> wall_clock(t, "+03:30")[0]
    datetime.datetime(2026, 1, 1, 13, 30)
    """
    name = resolve_tz(tz)
    off = offset_minutes(name) if name != "UTC" else None
    if off is not None and off % 60:
        utc_times = times.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return utc_times + timedelta(minutes=off)
    return times.dt.convert_time_zone(polars_zone(name)).dt.replace_time_zone(None)


def local_time(t: pl.Expr, tz: str) -> pl.Expr:
    """The UTC instants of ``t`` as the clock of ``tz`` reads them (naive), as an
    expression: for days and hours of the day (any offset, ``+03:30`` too).

    >>> from datetime import datetime, UTC
    >>> df = pl.DataFrame({"t": [datetime(2026, 1, 1, 22, 45, tzinfo=UTC)]})
    >>> df.select(local_time(pl.col("t"), "+03:30").dt.hour()).item()
    2
    """
    name = resolve_tz(tz)
    off = offset_minutes(name) if name != "UTC" else None
    if off is not None and off % 60:
        return t.dt.convert_time_zone("UTC").dt.replace_time_zone(None) + timedelta(minutes=off)
    return t.dt.convert_time_zone(polars_zone(name)).dt.replace_time_zone(None)


def tz_label(tz: str) -> str:
    """How a zone is named to people: ``UTC+03:30`` for an offset, else its name.

    >>> tz_label("+03:30"), tz_label("Europe/Paris"), tz_label("UTC")
    ('UTC+03:30', 'Europe/Paris', 'UTC')
    """
    name = resolve_tz(tz)
    return f"UTC{name}" if name[:1] in "+-" else name


def log_tz(offsets: pl.DataFrame) -> str | None:
    """The offset most lines carry (columns ``offset`` minutes, ``lines``), by name;
    None when no line carried one.

    >>> log_tz(pl.DataFrame({"offset": [210, 0], "lines": [5, 2]}))
    '+03:30'
    """
    if offsets.is_empty():
        return None
    top = offsets.sort(["lines", "offset"], descending=[True, False]).row(0, named=True)
    return offset_name(int(top["offset"]))


# ------------------------------------------------------------------ times

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_TIME_FORMS = (
    "use an ISO time (2026-11-20T13:00, 2026-11-20 13:00+01:00), "
    "a date (2026-11-20) or a duration ago (30m, 24h, 7d)"
)


def parse_time(text: str, tz: str, now: datetime, option: str = "since") -> datetime:
    """An absolute time, a date, or a duration ago (``30m``, ``24h``, ``7d``) → aware UTC.

    Times without an offset and dates (midnight) are in ``tz``; ``now``,
    ``today`` and ``yesterday`` work too. A bad or out-of-range value is an
    OptionError naming ``option``.

    >>> parse_time("99999999999999d", "UTC", datetime(2026, 1, 1, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    httplog.errors.OptionError: bad since '99999999999999d': out of range (times from year 1 to 9999)
    """
    s = text.strip()
    where = zone(tz)
    try:
        return _parse_time(s, where, now)
    except OverflowError:
        raise OptionError(option, text, "out of range", limit="times from year 1 to 9999") from None
    except ValueError:
        raise OptionError(option, text, _TIME_FORMS) from None


def _parse_time(s: str, where: tzinfo, now: datetime) -> datetime:
    m = _RELATIVE.match(s)
    if m:
        seconds = float(m.group(1)) * _UNITS[m.group(2).lower()]
        if not seconds < 1e12:  # (also infinity) further back than year 1
            raise OverflowError(s)
        return now - timedelta(seconds=seconds)
    low = s.lower()
    if low == "now":
        return now
    if low in ("today", "yesterday"):
        day = now.astimezone(where).date() - timedelta(days=low == "yesterday")
        return datetime(day.year, day.month, day.day, tzinfo=where).astimezone(UTC)
    t = datetime.fromisoformat(s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=where)
    return t.astimezone(UTC)


def utc(t: datetime | None) -> datetime | None:
    """A datetime in UTC (a naive one is taken as UTC)."""
    if t is None:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


# ---------------------------------------------------------------- windows


def window_minutes(spec: str) -> int:
    """Minutes in a window spec: ``1m``, ``5m``, ``1h``, ``1d``, ``1w`` (up to a year).

    >>> window_minutes("15m"), window_minutes("2h"), window_minutes("1d")
    (15, 120, 1440)
    """
    m = _WINDOW.match(spec.strip().lower())
    if not m or int(m.group(1)) == 0:
        msg = f"bad window {spec!r}: use a whole number of minutes, hours or days (5m, 1h, 1d) or auto"
        raise UsageError(msg, option="window", value=spec)
    n, unit = int(m.group(1)), m.group(2)
    minutes = n * {"m": 1, "min": 1, "h": 60, "d": 1440, "w": 10080}[unit]
    if minutes > 1440 and minutes % 1440:
        msg = f"bad window {spec!r}: windows over a day must be whole days"
        raise UsageError(msg, option="window", value=spec)
    if minutes < 1440 and 1440 % minutes:
        msg = (
            f"bad window {spec!r}: a window under a day must divide a day (such as 5m, 20m, 1h, 3h)"
        )
        raise UsageError(msg, option="window", value=spec)
    if minutes > MAX_WINDOW:
        raise OptionError("window", spec, "out of range", limit="1m to 366d")
    return minutes


def window_label(minutes: int) -> str:
    """``5`` → ``5m``, ``60`` → ``1h``, ``1440`` → ``1d``.

    >>> window_label(5), window_label(60), window_label(1440)
    ('5m', '1h', '1d')
    """
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def check_window(spec: str) -> str:
    """``spec`` if it is ``auto`` or a window (see :func:`window_minutes`)."""
    if spec != "auto":
        window_minutes(spec)
    return spec


def auto_window(first: datetime | None, last: datetime | None) -> str:
    """The window ``auto`` means for minutes from ``first`` to ``last``: the smallest
    candidate giving at most :data:`MAX_POINTS` windows (``1h`` without requests).

    >>> from datetime import datetime, UTC
    >>> auto_window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    '5m'
    """
    if first is None or last is None:
        return "1h"
    span = (last - first).total_seconds() / 60 + 1
    for w in AUTO_WINDOWS:
        if span / w <= MAX_POINTS:
            return window_label(w)
    return window_label(AUTO_WINDOWS[-1])


def _offset_us(t: pl.Expr, tz: str) -> pl.Expr:
    """UTC offset (µs) in force in ``tz`` at the UTC instant ``t``."""
    off = offset_minutes(tz) if tz != "UTC" else None
    if off is not None:
        return pl.lit(off * 60_000_000, pl.Int64) + t.dt.epoch("us") * 0
    local = t.dt.convert_time_zone(tz)
    return (local.dt.base_utc_offset() + local.dt.dst_offset()).dt.total_microseconds()


def _instant(us: pl.Expr) -> pl.Expr:
    """Microseconds since the epoch → a UTC datetime."""
    return us.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _floor_local(local_us: pl.Expr, every_us: int) -> pl.Expr:
    """Local wall time (µs) → start of its window, windows aligned on local midnight."""
    day = local_us - local_us % _DAY_US
    return day + ((local_us - day) // every_us) * every_us


_DAY_US = 86_400_000_000


def window_start(col: str | pl.Expr, every: str, tz: str) -> pl.Expr:
    """Start of the window holding a UTC time, as a time in ``tz``.

    Windows are aligned on the local clock of ``tz``: with 1h windows in
    Asia/Kolkata (+05:30) they start at :00 local; windows under a day start
    at local midnight and every ``every`` after it. A window's start is the
    last instant at or before the time when the local clock read an aligned
    time, so windows are a partition of UTC time: across a daylight-saving
    change no window is lost or doubled. The repeated hour of a fall-back day
    is two 1h windows with distinct starts (same wall time, two offsets); a
    local time that a spring-forward skips starts no window, so the window
    before it is longer. Windows of whole days start at the first instant of
    the local day (midnight, or the end of the gap where a zone skips
    midnight): a day of a DST change is one window of 23 or 25 hours.

    >>> from datetime import datetime, UTC
    >>> t = pl.Series("t", [datetime(2026, 1, 1, 10, 45, tzinfo=UTC)])
    >>> t.to_frame().select(window_start("t", "1h", "Asia/Kolkata"))["t"][0]
    datetime.datetime(2026, 1, 1, 16, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Kolkata'))
    """
    t = pl.col(col) if isinstance(col, str) else col
    minutes = window_minutes(every)
    check_tz(tz)
    tz = resolve_tz(tz)
    return t.map_batches(
        lambda s: _window_starts(s, minutes, tz),
        return_dtype=pl.Datetime("us", polars_zone(tz)),
        is_elementwise=True,
    )


def _window_starts(times: pl.Series, minutes: int, tz: str) -> pl.Series:
    """:func:`window_start` on a series, in stages (one expression would be huge)."""
    name = times.name
    c = pl.col
    df = times.to_frame("t").select(t=c("t").dt.convert_time_zone("UTC"))
    df = df.with_columns(us=c("t").dt.epoch("us"), o_t=_offset_us(c("t"), tz))
    df = df.with_columns(local=c("us") + c("o_t"))
    if minutes % 1440 == 0:
        unit = f"{minutes // 10080}w" if minutes % 10080 == 0 else f"{minutes // 1440}d"
        df = df.with_columns(day=_instant(c("local")).dt.replace_time_zone(None).dt.truncate(unit))
        if offset_minutes(tz) is not None or tz == "UTC":  # a fixed offset: no gaps
            start = _instant(c("day").dt.epoch("us") - c("o_t"))
            return df.select(start.dt.convert_time_zone(polars_zone(tz)).alias(name)).to_series()
        df = df.with_columns(
            start=c("day").dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null"),
            day_us=c("day").dt.epoch("us"),
        )
        # Local midnight skipped (a spring-forward at 00:00): the day starts
        # when the gap ends, at midnight read with the offset before it.
        df = df.with_columns(
            before=_offset_us(_instant(c("day_us") - c("o_t") - 6 * 3_600_000_000), tz)
        )
        start = (
            c("start").dt.convert_time_zone("UTC").fill_null(_instant(c("day_us") - c("before")))
        )
        return df.select(start.dt.convert_time_zone(polars_zone(tz)).alias(name)).to_series()
    every_us = minutes * 60_000_000
    df = df.with_columns(c1=_floor_local(c("local"), every_us) - c("o_t"))
    df = df.with_columns(o1=_offset_us(_instant(c("c1")), tz))
    # Usually the aligned time happened with the offset of ``t`` (this also
    # picks the right one of a repeated hour). Otherwise the offset changed
    # since, and the window started before the change: at the last aligned
    # time the old clock read, one of two.
    df = df.with_columns(g=_floor_local(c("local") + c("o1") - c("o_t"), every_us))
    df = df.with_columns(a=c("g") - c("o1"), b=_floor_local(c("g") - 1, every_us) - c("o1"))
    df = df.with_columns(oa=_offset_us(_instant(c("a")), tz))
    start = (
        pl.when(c("o1") == c("o_t"))
        .then(c("c1"))
        .when(c("oa") == c("o1"))
        .then(c("a"))
        .otherwise(c("b"))
    )
    return df.select(_instant(start).dt.convert_time_zone(polars_zone(tz)).alias(name)).to_series()


def windows_between(
    first: datetime | None, last: datetime | None, every: str, tz: str
) -> pl.DataFrame:
    """Every window holding a minute of [first, last] (UTC minutes), empty ones included.

    Columns ``start`` and ``end`` (in ``tz``); ``end`` is the next window's
    start, so a window's length follows daylight-saving changes. No rows
    without a ``first``.

    >>> from datetime import datetime, UTC
    >>> w = windows_between(
    ...     datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    ...     datetime(2026, 3, 29, 2, 10, tzinfo=UTC),
    ...     "1h",
    ...     "Europe/Paris",
    ... )
    >>> [(s.strftime("%H:%M%z"), e.strftime("%H:%M%z")) for s, e in w.rows()]
    [('01:00+0100', '03:00+0200'), ('03:00+0200', '04:00+0200'), ('04:00+0200', '05:00+0200')]
    """
    if first is None or last is None:
        dtype = pl.Datetime("us", polars_zone(tz))
        return pl.DataFrame(schema={"start": dtype, "end": dtype})
    minutes = window_minutes(every)
    # Window starts are local aligned times minus an offset, so (offsets being
    # multiples of 15 minutes) they lie on this lattice: sampling it finds
    # every window, however DST shortens it.
    step = math.gcd(minutes, 15)
    lo_lattice = first - timedelta(minutes=(first.hour * 60 + first.minute) % step)
    # Past the end by more than the longest window, to find the last one's end.
    far = last + timedelta(minutes=minutes + 1440)
    grid = pl.concat(
        [
            pl.datetime_range(lo_lattice, far, f"{step}m", time_zone="UTC", eager=True),
            pl.Series([first, last], dtype=MINUTE),
        ]
    ).alias("t")
    starts = grid.to_frame().select(start=window_start("t", every, tz)).unique().sort("start")
    lo = pl.select(window_start(pl.lit(first, MINUTE), every, tz)).item()
    hi = pl.select(window_start(pl.lit(last, MINUTE), every, tz)).item()
    return (
        starts.with_columns(end=pl.col("start").shift(-1))
        .filter(pl.col("start").is_between(lo, hi))
        .select("start", "end")
    )


def window_map(minutes: pl.Series, every: str, tz: str) -> pl.DataFrame:
    """Distinct minutes → the start of their window (columns ``minute``, ``start``)."""
    return minutes.unique().to_frame("minute").with_columns(start=window_start("minute", every, tz))
