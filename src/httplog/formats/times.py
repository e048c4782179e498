"""Times as servers write them, read into UTC, and the UTC offset each line wrote.

One function per way of writing a time; :mod:`httplog.formats.kinds` maps the
field kinds (``time_local``, ``time_iso``, ``time_epoch``, ...) to them. Each
takes the matched text as a polars expression and gives a UTC ``Datetime``
(null where the text is not a time), so they work on any frame.

Examples
--------
>>> import polars as pl
>>> pl.select(time_local(pl.lit("10/Oct/2000:13:55:36 -0700"))).item().isoformat()
'2000-10-10T20:55:36+00:00'
>>> pl.select(offset_written(pl.lit("2026-01-01T10:00:00+05:30"))).item()
330
"""

from __future__ import annotations

import polars as pl

from httplog.schema import TIME

__all__ = [
    "UTC_OFFSET",
    "offset_at_end",
    "offset_written",
    "time_any",
    "time_epoch",
    "time_epoch_any",
    "time_haproxy",
    "time_iso",
    "time_local",
    "time_strftime",
    "time_w3c",
]


def time_local(e: pl.Expr) -> pl.Expr:
    """``10/Oct/2000:13:55:36 -0700`` → UTC."""
    return e.str.strptime(TIME, "%d/%b/%Y:%H:%M:%S %z", strict=False)


#: The extra column a time field with an offset gives when asked for: the UTC
#: offset the line wrote, in minutes (the partial counts them: the log's clock).
UTC_OFFSET = "utc_offset"


def offset_written(e: pl.Expr) -> pl.Expr:
    """The UTC offset at the end of a time as written (``+0330``, ``-08:00``, ``Z``),
    in minutes; null when it ends with none.

    >>> pl.select(
    ...     a=offset_written(pl.lit("10/Oct/2000:13:55:36 +0330")),
    ...     b=offset_written(pl.lit("2026-01-01T10:00:00-08:00")),
    ...     c=offset_written(pl.lit("2026-01-01T10:00:00Z")),
    ...     d=offset_written(pl.lit("2026-01-01T10:00:00")),
    ... ).row(0)
    (210, -480, 0, None)
    """
    e = e.str.strip_chars_end("]")
    tail = e.str.slice(-6).str.replace(":", "", literal=True).str.slice(-5)
    hours = tail.str.slice(1, 2).cast(pl.Int16, strict=False)
    minutes = tail.str.slice(3, 2).cast(pl.Int16, strict=False)
    sign = pl.when(tail.str.slice(0, 1) == "-").then(pl.lit(-1, pl.Int16)).otherwise(1)
    signed = tail.str.slice(0, 1).is_in(["+", "-"])
    return (
        pl.when(e.str.ends_with("Z"))
        .then(pl.lit(0, pl.Int16))
        .when(signed)
        .then(sign * (hours * 60 + minutes))
        .cast(pl.Int16)
    )


def offset_at_end(e: pl.Expr) -> pl.Expr:
    """:func:`offset_written` of a time known to end with ``+HHMM`` or ``-HHMM`` (what
    the line regex of ``time_local`` guarantees): one slice and an integer parse
    instead of the general reading's many slices (a third of its cost).

    >>> pl.select(
    ...     a=offset_at_end(pl.lit("10/Oct/2000:13:55:36 +0330")),
    ...     b=offset_at_end(pl.lit("10/Oct/2000:13:55:36 -0800")),
    ...     c=offset_at_end(pl.lit("10/Oct/2000:13:55:36 -0000")),
    ... ).row(0)
    (210, -480, 0)
    """
    n = e.str.slice(-5).str.to_integer(strict=False).cast(pl.Int16)
    a = n.abs()
    return ((a // 100) * 60 + a % 100) * n.sign()


def time_iso(e: pl.Expr) -> pl.Expr:
    """ISO 8601 with or without fraction and offset (none is UTC) → UTC."""
    e = e.str.replace(",", ".", literal=True)
    with_offset = (
        pl.when(e.str.contains(r"[+-]\d{2}:?\d{2}$"))
        .then(e)
        .otherwise(e.str.replace(r"Z?$", "+00:00"))
    )
    return with_offset.str.strptime(TIME, "%Y-%m-%dT%H:%M:%S%.f%z", strict=False)


def time_epoch(e: pl.Expr, unit: str | None) -> pl.Expr:
    """Epoch seconds (nginx ``$msec``, Apache ``%{sec}t``), or ``msec``/``usec``."""
    scale = {"msec": 1e3, "usec": 1.0}.get(unit or "", 1e6)
    us = (e.cast(pl.Float64, strict=False) * scale).round(0).cast(pl.Int64, strict=False)
    return us.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def time_epoch_any(e: pl.Expr) -> pl.Expr:
    """Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by size
    (seconds stay below 10¹¹, the year 5138).

    >>> pl.select(time_epoch_any(pl.lit("1646861401524.1024"))).item().isoformat()
    '2022-03-09T21:30:01.524102+00:00'
    """
    x = e.cast(pl.Float64, strict=False)
    scale = (
        pl.when(x < 1e11)
        .then(1e6)
        .when(x < 1e14)
        .then(1e3)
        .when(x < 1e17)
        .then(1.0)
        .otherwise(1e-3)
    )
    us = (x * scale).round(0).cast(pl.Int64, strict=False)
    return us.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def time_strftime(e: pl.Expr, fmt: str) -> pl.Expr:
    """A strftime format; without ``%z`` the time is taken as UTC."""
    if "%z" in fmt or "%Z" in fmt:
        return e.str.strptime(TIME, fmt, strict=False)
    return e.str.strptime(pl.Datetime("us"), fmt, strict=False).dt.replace_time_zone("UTC")


def time_any(raw: pl.Expr) -> pl.Expr:
    """ISO 8601, ``time_local`` (in brackets or not), or epoch at any scale (JSON logs).

    >>> pl.select(time_any(pl.lit("[10/Oct/2000:13:55:36 -0700]"))).item().isoformat()
    '2000-10-10T20:55:36+00:00'
    """
    return pl.coalesce(
        time_iso(raw),
        time_local(raw.str.strip_chars("[]")),
        pl.when(raw.str.contains(r"^\d+(?:\.\d+)?$")).then(time_epoch_any(raw)),
    )


def time_w3c(raw: pl.Expr, sep: str | None = None) -> pl.Expr:
    """W3C ``date`` and ``time`` (UTC), written with ``sep`` (a space by default) between them.

    >>> pl.select(time_w3c(pl.lit("2026-01-01 10:00:00"))).item().isoformat()
    '2026-01-01T10:00:00+00:00'
    """
    iso = raw.str.replace(sep or " ", "T", literal=True)
    return iso.str.strptime(
        pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S%.f", strict=False
    ).dt.replace_time_zone("UTC")


def time_haproxy(raw: pl.Expr) -> pl.Expr:
    """HAProxy's ``06/Feb/2009:12:14:14.655`` (local time without offset: taken as UTC)."""
    return raw.str.strptime(
        pl.Datetime("us"), "%d/%b/%Y:%H:%M:%S%.f", strict=False
    ).dt.replace_time_zone("UTC")
