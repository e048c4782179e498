r"""W3C extended logs: IIS (``w3c``, fields separated by spaces) and CloudFront
standard logs (``cloudfront``, by tabs).

The fields are those a ``#Fields:`` directive names, and a file may change
them midway (IIS writes a new header when its configuration changes or the
service restarts): a ``#Fields:`` line starts a new layout for the lines after
it. Lines starting with ``#`` (``#Software``, ``#Version``, ``#Date``,
``#Fields``) are directives, counted apart: neither parsed nor rejected.
Before any ``#Fields:`` line, the documented default layout applies (IIS's
default fields; CloudFront's 33 fields).

Blocks of a file are parsed side by side, so the layout in force where a
block starts is tracked by the reader, which sees the blocks in order (see
:func:`last_layout`); a byte range starting inside a file (a Dask task) looks
back for the last ``#Fields:`` line before it (:func:`layout_before`).

Field names map to the shared columns (``c-ip`` → ``remote_addr``,
``cs-uri-stem`` → ``path``, ``sc-status`` → ``status``, ``time-taken`` →
``request_time`` …, see :data:`FIELDS`); ``date`` and ``time`` (UTC) together
are ``time``; other fields keep their name, lower-cased with ``_`` for other
characters (``x-edge-location`` → ``x_edge_location``). IIS writes the spaces
of a header as ``+`` (undone in ``user_agent`` and ``cookie``) and
``time-taken`` in milliseconds; CloudFront percent-encodes its header values
(``%20``; undone in ``user_agent``) and writes ``time-taken`` in seconds.

Examples
--------
>>> fmt = layout_of(("date", "time", "c-ip", "cs-method", "cs-uri-stem", "sc-status"), "w3c")
>>> fmt.columns
['time', 'remote_addr', 'method', 'path', 'status']
>>> fields_of("#Fields: date time sc-status")
('date', 'time', 'sc-status')
"""

from __future__ import annotations

import functools
import os
import re

from httplog.formats.base import F, LogFormat, escape, layout
from httplog.formats.kinds import WORD

#: W3C and IIS field names → (column, kind).
FIELDS: dict[str, tuple[str, str]] = {
    "s-ip": ("server_addr", "text"),
    "cs-method": ("method", "text"),
    "cs-uri-stem": ("path", "text"),
    "cs-uri-query": ("query", "query"),
    "cs-uri": ("request_uri", "uri"),
    "s-port": ("server_port", "uint"),
    "cs-username": ("remote_user", "text"),
    "c-ip": ("remote_addr", "text"),
    "c-port": ("remote_port", "uint"),
    "cs(user-agent)": ("user_agent", "plus_text"),
    "cs(referer)": ("referer", "text"),
    "cs(referrer)": ("referer", "text"),  # (so spelled in the IIS 6.0 documentation)
    "cs(cookie)": ("cookie", "plus_text"),
    "cs-host": ("host", "text"),
    "cs-version": ("protocol", "text"),
    "sc-status": ("status", "status"),
    "sc-substatus": ("sc_substatus", "uint"),
    "sc-win32-status": ("sc_win32_status", "uint"),
    "sc-bytes": ("bytes", "uint"),
    "cs-bytes": ("request_length", "uint"),
    "time-taken": ("request_time", "millis"),
    "s-sitename": ("site_name", "text"),
    "s-computername": ("computer_name", "text"),
    "x-forwarded-for": ("x_forwarded_for", "text"),
}

#: CloudFront's own names, and where its meaning differs from IIS's.
CLOUDFRONT_FIELDS: dict[str, tuple[str, str]] = {
    **FIELDS,
    "cs(user-agent)": ("user_agent", "pct_text"),
    "cs(cookie)": ("cookie", "text"),
    "cs(host)": ("cs_host", "text"),  # the distribution's domain (d111111abcdef8.cloudfront.net)
    "x-host-header": ("host", "text"),  # the Host header the viewer sent
    "cs-protocol": ("scheme", "text"),
    "cs-protocol-version": ("protocol", "text"),
    "ssl-protocol": ("ssl_protocol", "text"),
    "ssl-cipher": ("ssl_cipher", "text"),
    "time-taken": ("request_time", "seconds"),
    "time-to-first-byte": ("time_to_first_byte", "seconds"),
    "x-edge-request-id": ("request_id", "text"),
    "sc-content-type": ("content_type", "text"),
    "sc-content-len": ("sc_content_len", "uint"),
}

#: IIS's default fields.
W3C_DEFAULT = [
    "date",
    "time",
    "s-ip",
    "cs-method",
    "cs-uri-stem",
    "cs-uri-query",
    "s-port",
    "cs-username",
    "c-ip",
    "cs(User-Agent)",
    "cs(Referer)",
    "sc-status",
    "sc-substatus",
    "sc-win32-status",
    "time-taken",
]
#: CloudFront standard log fields (the 33 of its documentation).
CLOUDFRONT_DEFAULT = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
]

_SEP = {"w3c": " ", "cloudfront": "\t"}
#: A bare value: no separator, no control character (CloudFront's may hold spaces).
_VALUE = {"w3c": WORD, "cloudfront": r"[^\x00-\x1f]*"}
DIRECTIVE = r"^#"
_FIELDS_LINE = b"#Fields:"


def fields_of(line: str) -> tuple[str, ...] | None:
    """The field names of a ``#Fields:`` directive (None for another line)."""
    if not line.startswith("#Fields:"):
        return None
    return tuple(line[len("#Fields:") :].split())


def _column(name: str) -> str:
    return re.sub(r"\W+", "_", name.lower()).strip("_") or "field"


@functools.lru_cache(maxsize=64)
def layout_of(names: tuple[str, ...], family: str) -> LogFormat:
    """The format of lines laid out as ``names`` say (``family``: ``w3c`` or ``cloudfront``).

    A layout without ``date`` and ``time`` side by side, or without
    ``sc-status``, compiles; its lines are then rejected (``no_match``).
    """
    sep = _SEP[family]
    table = CLOUDFRONT_FIELDS if family == "cloudfront" else FIELDS
    pieces: list[F | str] = []
    i = 0
    while i < len(names):
        if pieces:
            pieces.append(sep)
        name = names[i].lower()
        if name == "date" and i + 1 < len(names) and names[i + 1].lower() == "time":
            rx = (
                r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
                + escape(sep)
                + r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
            )
            pieces.append(F("time", "time_w3c", regex=rx, arg=sep))
            i += 2
            continue
        column, kind = table.get(name, (_column(names[i]), "text"))
        if column == "time":  # a lone date or time field
            column = "w3c_" + name
        regex = _VALUE[family] if kind in ("text", "plus_text", "pct_text", "query") else None
        pieces.append(F(column, kind, regex=regex))
        i += 1
    return layout(
        family,
        pieces,
        syntax="w3c",
        sep=sep,
        directive=DIRECTIVE,
        string=" ".join(names),
        require=False,
    )


def w3c() -> LogFormat:
    """IIS's W3C extended log, default fields until a ``#Fields:`` line says otherwise."""
    return layout_of(tuple(W3C_DEFAULT), "w3c")


def cloudfront() -> LogFormat:
    """CloudFront standard logs (tab-separated W3C)."""
    return layout_of(tuple(CLOUDFRONT_DEFAULT), "cloudfront")


def from_directive(line: str, fmt: LogFormat) -> LogFormat:
    """The layout a ``#Fields:`` line starts, in ``fmt``'s family."""
    names = fields_of(line)
    return layout_of(names, fmt.name) if names else fmt


def last_layout(data: bytes, fmt: LogFormat) -> LogFormat | None:
    """The layout of the last ``#Fields:`` line in ``data`` (None: it has none)."""
    at = data.rfind(b"\n" + _FIELDS_LINE)
    start = at + 1 if at >= 0 else (0 if data.startswith(_FIELDS_LINE) else -1)
    if start < 0:
        return None
    end = data.find(b"\n", start)
    line = data[start : end if end >= 0 else len(data)].decode("utf-8", "replace").rstrip("\r")
    return from_directive(line, fmt)


def layout_before(path: str, offset: int, fmt: LogFormat, step: int = 1 << 20) -> LogFormat:
    """The layout in force at byte ``offset`` of a plain file: that of the last
    ``#Fields:`` line before it (read backwards), else ``fmt``."""
    with open(path, "rb") as fh:
        end = offset
        fh.seek(max(0, offset - 1), os.SEEK_SET)
        # A line that straddles the offset belongs to the range before it: read it whole.
        carry = b"" if offset == 0 or fh.read(1) == b"\n" else fh.readline()
        while end > 0:
            start = max(0, end - step)
            fh.seek(start, os.SEEK_SET)
            data = fh.read(end - start) + carry
            cut = data.find(b"\n") if start > 0 else -1
            found = last_layout(data[cut + 1 :], fmt)
            if found is not None:
                return found
            carry = data[: cut + 1] if start > 0 else b""
            end = start
    return fmt


def score(lines: list[str], fmt: LogFormat) -> tuple[int, int, LogFormat]:
    """(data lines matching, directive lines, first layout) of a sample, each data
    line read with the layout in force where it is."""
    import polars as pl

    current, first = fmt, None
    runs: list[tuple[LogFormat, list[str]]] = [(current, [])]
    directives = 0
    for line in lines:
        if line.startswith("#"):
            directives += 1
            names = fields_of(line)
            if names:
                current = layout_of(names, fmt.name)
                first = first or current
                runs.append((current, []))
            continue
        runs[-1][1].append(line)
    matched = sum(
        int(pl.Series(run, dtype=pl.String).str.contains(f.pattern).sum()) for f, run in runs if run
    )
    return matched, directives, first or fmt
