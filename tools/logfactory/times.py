"""Times as the servers write them, from Unix seconds and a fixed UTC offset
(no locale: month names come from a table).

>>> from datetime import timedelta, timezone
>>> cet = timezone(timedelta(hours=1))
>>> ts = at("2026-11-20", "14:05:03", cet)
>>> clf_time(ts, cet), iso_local(ts, cet), iso_utc(ts), seconds(4)
('20/Nov/2026:14:05:03 +0100', '2026-11-20T14:05:03+01:00', '2026-11-20T13:05:03Z', '0.004')
"""

from __future__ import annotations

from datetime import UTC, datetime, timezone

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def local_time(ts: int, tz: timezone) -> datetime:
    return datetime.fromtimestamp(ts, tz)


def offset(tz: timezone, colon: bool) -> str:
    minutes = int(tz.utcoffset(None).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{mins:02d}"


def clf_time(ts: int, tz: timezone) -> str:
    """``20/Nov/2026:14:05:03 +0100`` (nginx ``$time_local``, Apache ``%t``)."""
    d = local_time(ts, tz)
    month = MONTHS[d.month - 1]
    return f"{d.day:02d}/{month}/{d.year}:{d.hour:02d}:{d.minute:02d}:{d.second:02d} {offset(tz, False)}"


def iso_local(ts: int, tz: timezone) -> str:
    """``2026-11-20T14:05:03+01:00`` (nginx ``$time_iso8601``)."""
    d = local_time(ts, tz)
    return f"{d.year}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}{offset(tz, True)}"


def iso_utc(ts: int) -> str:
    d = datetime.fromtimestamp(ts, UTC)
    return f"{d.year}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"


def hhmm(ts: int, tz: timezone) -> str:
    d = local_time(ts, tz)
    return f"{d.hour:02d}:{d.minute:02d}"


def at(day: str, clock: str, tz: timezone) -> int:
    """Unix time of ``2026-11-20`` ``14:05:00`` in ``tz``."""
    y, m, d = (int(x) for x in day.split("-"))
    hh, mm, ss = (int(x) for x in clock.split(":"))
    return int(datetime(y, m, d, hh, mm, ss, tzinfo=tz).timestamp())


def seconds(ms: int) -> str:
    """Milliseconds as nginx prints times: ``0.004``."""
    return f"{ms // 1000}.{ms % 1000:03d}"
